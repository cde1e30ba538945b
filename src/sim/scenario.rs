//! Scenarios: named starting states of the simulated foundation, as data. A scenario is the
//! faults (in the `--fault` grammar of [`super::fault`]) applied to each environment of the
//! model's world before the simulator serves; [`SCENARIOS`] lists them all:
//!
//! - `healthy`: the model exactly (plus one service key, which is not an app binding).
//! - `c2-incident`: the C2 outage of August 2016 replayed on `models/c2.json`: in `staging` the
//!   database bindings are back but both queue bindings (web and worker to the Redis queue)
//!   are lost; in `dev` both the database and the queue bindings of both apps are lost; `prod`
//!   is healthy.
//! - `c2-half-repair`: the incident after its half-repair: staging's queue bindings were made
//!   again (`cf bind-service`) but neither app was restaged, so the running apps still cannot
//!   see their queue; `dev` as in `c2-incident`.

use super::fault::Fault;
use super::world::World;
use std::fmt;
use std::str::FromStr;

/// One scenario, as data.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ScenarioDef {
    /// What `--scenario` takes, e.g. `c2-incident`.
    pub name: &'static str,
    /// What it is, for `archcheck sim --help`.
    pub about: &'static str,
    /// The model it needs, for the error when a model lacks what its faults name.
    pub needs: &'static str,
    /// Per environment (the model's name for it), the fault specs applied there, in order.
    pub faults: &'static [(&'static str, &'static [&'static str])],
}

/// Every scenario.
pub(crate) const SCENARIOS: &[ScenarioDef] = &[
    ScenarioDef {
        name: "healthy",
        about: "the model exactly (every app started with all instances running, every route \
                and binding present), plus one service key, which is not an app binding.",
        needs: "any model",
        faults: &[],
    },
    ScenarioDef {
        name: "c2-incident",
        about: "the C2 outage of August 2016 on models/c2.json: staging lost both queue bindings \
                (web and worker) but has its database bindings back; dev lost the database and \
                queue bindings of both apps; prod is healthy.",
        needs: "a model shaped like models/c2.json (environments dev and staging, apps web and \
                worker bound to services db and queue)",
        faults: &[
            (
                "staging",
                &["unbind:staging:web:queue", "unbind:staging:worker:queue"],
            ),
            (
                "dev",
                &[
                    "unbind:dev:web:db",
                    "unbind:dev:web:queue",
                    "unbind:dev:worker:db",
                    "unbind:dev:worker:queue",
                ],
            ),
        ],
    },
    ScenarioDef {
        name: "c2-half-repair",
        about: "c2-incident after its half-repair: staging's queue bindings were made again (cf \
                bind-service at the simulator's start) but neither app was restaged, so the \
                running apps still cannot see their queue; dev as in c2-incident.",
        needs: "a model shaped like models/c2.json (environments dev and staging, apps web and \
                worker bound to services db and queue)",
        faults: &[
            (
                "staging",
                &[
                    "rebind-without-restart:staging:web:queue",
                    "rebind-without-restart:staging:worker:queue",
                ],
            ),
            (
                "dev",
                &[
                    "unbind:dev:web:db",
                    "unbind:dev:web:queue",
                    "unbind:dev:worker:db",
                    "unbind:dev:worker:queue",
                ],
            ),
        ],
    },
];

/// A scenario: one of [`SCENARIOS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario(&'static ScenarioDef);

#[allow(non_upper_case_globals)] // named as the enum variants they replace
impl Scenario {
    /// Everything as the model says.
    pub const Healthy: Scenario = Scenario(&SCENARIOS[0]);
    /// The C2 incident: the staging queue lost, the worker unbound.
    pub const C2Incident: Scenario = Scenario(&SCENARIOS[1]);
    /// The C2 incident half repaired.
    pub const C2HalfRepair: Scenario = Scenario(&SCENARIOS[2]);
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario::Healthy
    }
}

/// The scenario names, for help and errors: `healthy, c2-incident`.
pub(crate) fn names() -> String {
    SCENARIOS
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The short help of `archcheck sim --scenario`.
pub(crate) fn short_help() -> String {
    let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("Starting state: {}, or {last}", rest.join(", "))
        }
        _ => format!("Starting state: {}", names.join("")),
    }
}

/// The long help of `archcheck sim --scenario`: every scenario and what it is.
pub(crate) fn help() -> String {
    let mut out = short_help();
    out.push_str(".\n");
    for s in SCENARIOS {
        out.push_str(&format!("\n{}: {}", s.name, s.about));
    }
    out
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Scenario, String> {
        SCENARIOS
            .iter()
            .find(|d| d.name == s)
            .map(Scenario)
            .ok_or_else(|| format!("unknown scenario `{s}`; the scenarios are {}", names()))
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Scenario {
    /// The world faults the scenario consists of, environment by environment.
    pub fn faults(self) -> Result<Vec<Fault>, String> {
        self.0
            .faults
            .iter()
            .flat_map(|(_, specs)| specs.iter())
            .map(|spec| {
                Fault::parse(spec).map_err(|e| format!("scenario `{self}` is not valid: {e}"))
            })
            .collect()
    }

    /// Applies the scenario at `now_ms` (milliseconds since the epoch); a model that lacks
    /// what it needs is an error naming it.
    pub fn apply(self, world: &mut World, now_ms: i64) -> Result<(), String> {
        for f in self.faults()? {
            f.apply(world, now_ms)
                .map_err(|e| format!("scenario `{self}` needs {}: {e}", self.0.needs))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// True for faults that change the world (as opposed to how requests are answered).
    fn changes_world(f: &Fault) -> bool {
        matches!(
            f,
            Fault::Unbind { .. }
                | Fault::DeleteInstance { .. }
                | Fault::FailOperation { .. }
                | Fault::StallOperation { .. }
                | Fault::Stop { .. }
                | Fault::Crash { .. }
                | Fault::Share { .. }
                | Fault::Restart { .. }
                | Fault::Deploy { .. }
                | Fault::DeployCanary { .. }
                | Fault::DeployStuck { .. }
                | Fault::CancelDeploy { .. }
                | Fault::RebindWithoutRestart { .. }
                | Fault::BindInProgress { .. }
        )
    }

    /// Every scenario's faults parse, change the world, and belong to the environment they
    /// are listed under.
    #[test]
    fn scenarios_are_valid_data() {
        for s in SCENARIOS {
            let scenario: Scenario = s.name.parse().unwrap();
            assert_eq!(scenario.to_string(), s.name);
            assert_eq!(
                scenario.faults().unwrap().len(),
                s.faults.iter().map(|(_, f)| f.len()).sum::<usize>()
            );
            for (env, specs) in s.faults {
                for spec in *specs {
                    let f = Fault::parse(spec).unwrap();
                    assert!(changes_world(&f), "{spec}");
                    assert_eq!(spec.split(':').nth(1), Some(*env), "{spec} is not in {env}");
                }
            }
            assert!(help().contains(s.name) && help().contains(s.about));
        }
        assert_eq!(Scenario::default(), Scenario::Healthy);
        assert_eq!(Scenario::C2Incident.to_string(), "c2-incident");
        assert_eq!(names(), "healthy, c2-incident, c2-half-repair");
        assert_eq!(
            short_help(),
            "Starting state: healthy, c2-incident, or c2-half-repair"
        );
        let e = "sunny".parse::<Scenario>().unwrap_err();
        assert_eq!(
            e,
            "unknown scenario `sunny`; the scenarios are healthy, c2-incident, c2-half-repair"
        );
    }

    /// The incident, as the report tells it (and `tests/it/sim.rs` checks against the API).
    #[test]
    fn c2_incident_is_the_lost_bindings_of_the_report() {
        let specs: Vec<String> = Scenario::C2Incident
            .faults()
            .unwrap()
            .iter()
            .map(Fault::to_string)
            .collect();
        assert_eq!(
            specs,
            [
                "unbind:staging:web:queue",
                "unbind:staging:worker:queue",
                "unbind:dev:web:db",
                "unbind:dev:web:queue",
                "unbind:dev:worker:db",
                "unbind:dev:worker:queue",
            ]
        );
        assert!(Scenario::Healthy.faults().unwrap().is_empty());
    }
}
