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
//!
//! A scenario's faults happened the night before the simulator started ([`trail_ms`], at
//! 22:13:05 UTC), so the audit events they record are a late-night trail; its repairs happen at
//! the start.

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
    /// Per environment (the model's name for it), the fault specs applied there, in order, on
    /// the night before the simulator started ([`trail_ms`]): what the audit trail shows.
    pub faults: &'static [(&'static str, &'static [&'static str])],
    /// Per environment, the fault specs applied after those, at the simulator's start (a
    /// repair made this morning).
    pub repairs: &'static [(&'static str, &'static [&'static str])],
}

/// The model `c2-incident` and `c2-half-repair` need.
const C2_SHAPED: &str = "a model shaped like models/c2.json (environments dev and staging, apps \
                         web and worker bound to services db and queue)";

/// The night of the C2 incident: a manifest push to both apps that deleted staging's queue
/// bindings and dev's database and queue bindings.
const C2_INCIDENT: &[(&str, &[&str])] = &[
    (
        "staging",
        &[
            "manifest-push:staging:web",
            "manifest-push:staging:worker",
            "unbind:staging:web:queue",
            "unbind:staging:worker:queue",
        ],
    ),
    (
        "dev",
        &[
            "manifest-push:dev:web",
            "manifest-push:dev:worker",
            "unbind:dev:web:db",
            "unbind:dev:web:queue",
            "unbind:dev:worker:db",
            "unbind:dev:worker:queue",
        ],
    ),
];

/// Every scenario.
pub(crate) const SCENARIOS: &[ScenarioDef] = &[
    ScenarioDef {
        name: "healthy",
        about: "the model exactly (every app started with all instances running, every route \
                and binding present), plus one service key, which is not an app binding.",
        needs: "any model",
        faults: &[],
        repairs: &[],
    },
    ScenarioDef {
        name: "c2-incident",
        about: "the C2 outage of August 2016 on models/c2.json: staging lost both queue bindings \
                (web and worker) but has its database bindings back; dev lost the database and \
                queue bindings of both apps; prod is healthy. The audit trail: a manifest push \
                to both apps by ci-deployer that deleted those bindings, at 22:13:05 UTC the \
                night before the simulator started.",
        needs: C2_SHAPED,
        faults: C2_INCIDENT,
        repairs: &[],
    },
    ScenarioDef {
        name: "c2-half-repair",
        about: "c2-incident after its half-repair: staging's queue bindings were made again (cf \
                bind-service at the simulator's start) but neither app was restaged, so the \
                running apps still cannot see their queue; dev and the night's audit trail as \
                in c2-incident.",
        needs: C2_SHAPED,
        faults: C2_INCIDENT,
        repairs: &[(
            "staging",
            &[
                "rebind-without-restart:staging:web:queue",
                "rebind-without-restart:staging:worker:queue",
            ],
        )],
    },
];

/// The time of day (UTC, seconds after midnight) of a scenario's night: 22:13:05, when the
/// incident's manifest push deleted the bindings.
pub(crate) const TRAIL_TIME_OF_DAY: i64 = 22 * 3600 + 13 * 60 + 5;

/// When a scenario's faults happened, for a simulator started at `now_ms` (milliseconds since
/// the epoch): the last 22:13:05 UTC at least an hour before, so the audit trail is a
/// late-night push seen afterwards, 1 to 25 hours old, well within `verify --since`.
pub(crate) fn trail_ms(now_ms: i64) -> i64 {
    let latest = now_ms.div_euclid(1000) - 3600;
    let mut t = latest.div_euclid(86_400) * 86_400 + TRAIL_TIME_OF_DAY;
    if t > latest {
        t -= 86_400;
    }
    t * 1000
}

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
    /// The world faults the scenario consists of, environment by environment, then its
    /// repairs.
    pub fn faults(self) -> Result<Vec<Fault>, String> {
        self.0
            .faults
            .iter()
            .chain(self.0.repairs)
            .flat_map(|(_, specs)| specs.iter())
            .map(|spec| {
                Fault::parse(spec).map_err(|e| format!("scenario `{self}` is not valid: {e}"))
            })
            .collect()
    }

    /// Applies the scenario for a simulator started at `now_ms` (milliseconds since the
    /// epoch): its faults at [`trail_ms`], its repairs at `now_ms`; a model that lacks what it
    /// needs is an error naming it.
    pub fn apply(self, world: &mut World, now_ms: i64) -> Result<(), String> {
        let night = self.0.faults.iter().map(|x| (x, trail_ms(now_ms)));
        let morning = self.0.repairs.iter().map(|x| (x, now_ms));
        for ((_, specs), at) in night.chain(morning) {
            for spec in *specs {
                let f = Fault::parse(spec)
                    .map_err(|e| format!("scenario `{self}` is not valid: {e}"))?;
                f.apply(world, at)
                    .map_err(|e| format!("scenario `{self}` needs {}: {e}", self.0.needs))?;
            }
        }
        world.settle();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every scenario's faults parse, change the world, and belong to the environment they
    /// are listed under.
    #[test]
    fn scenarios_are_valid_data() {
        for s in SCENARIOS {
            let scenario: Scenario = s.name.parse().unwrap();
            assert_eq!(scenario.to_string(), s.name);
            assert_eq!(
                scenario.faults().unwrap().len(),
                s.faults
                    .iter()
                    .chain(s.repairs)
                    .map(|(_, f)| f.len())
                    .sum::<usize>()
            );
            for (env, specs) in s.faults.iter().chain(s.repairs) {
                for spec in *specs {
                    let f = Fault::parse(spec).unwrap();
                    assert!(f.changes_world(), "{spec}");
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
                "manifest-push:staging:web",
                "manifest-push:staging:worker",
                "unbind:staging:web:queue",
                "unbind:staging:worker:queue",
                "manifest-push:dev:web",
                "manifest-push:dev:worker",
                "unbind:dev:web:db",
                "unbind:dev:web:queue",
                "unbind:dev:worker:db",
                "unbind:dev:worker:queue",
            ]
        );
        assert!(Scenario::Healthy.faults().unwrap().is_empty());
    }

    /// The night is the last 22:13:05 UTC at least an hour before the start.
    #[test]
    fn the_trail_is_the_last_night_at_22_13_05() {
        let day = 20_000 * 86_400; // a midnight UTC
        let at = |h: i64, m: i64| trail_ms((day + h * 3600 + m * 60) * 1000) / 1000;
        assert_eq!(at(23, 14), day + TRAIL_TIME_OF_DAY);
        assert_eq!(at(23, 13), day - 86_400 + TRAIL_TIME_OF_DAY);
        assert_eq!(at(9, 0), day - 86_400 + TRAIL_TIME_OF_DAY);
    }
}
