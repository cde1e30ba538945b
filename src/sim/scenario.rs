//! Scenarios: named starting states of the simulated foundation.
//!
//! - `healthy`: the model exactly (plus one service key, which is not an app binding).
//! - `c2-incident`: the C2 outage of August 2016 replayed on `models/c2.json`: in `staging` the
//!   database bindings are back but both queue bindings (web and worker to the Redis queue)
//!   are lost; in `dev` both the database and the queue bindings of both apps are lost; `prod`
//!   is healthy.

use super::fault::Fault;
use super::world::World;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scenario {
    #[default]
    Healthy,
    C2Incident,
}

/// The scenario names, for help and errors.
pub const SCENARIOS: &str = "healthy, c2-incident";

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Scenario, String> {
        match s {
            "healthy" => Ok(Scenario::Healthy),
            "c2-incident" => Ok(Scenario::C2Incident),
            other => Err(format!(
                "unknown scenario `{other}`; the scenarios are {SCENARIOS}"
            )),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scenario::Healthy => "healthy",
            Scenario::C2Incident => "c2-incident",
        })
    }
}

impl Scenario {
    /// The world faults the scenario consists of.
    pub fn faults(self) -> Vec<Fault> {
        let unbind = |env: &str, app: &str, service: &str| Fault::Unbind {
            env: env.into(),
            app: app.into(),
            service: service.into(),
        };
        match self {
            Scenario::Healthy => Vec::new(),
            Scenario::C2Incident => vec![
                unbind("staging", "web", "queue"),
                unbind("staging", "worker", "queue"),
                unbind("dev", "web", "db"),
                unbind("dev", "web", "queue"),
                unbind("dev", "worker", "db"),
                unbind("dev", "worker", "queue"),
            ],
        }
    }

    /// Applies the scenario; a model that lacks what it needs is an error naming it.
    pub fn apply(self, world: &mut World) -> Result<(), String> {
        for f in self.faults() {
            f.apply(world).map_err(|e| {
                format!(
                    "scenario `{self}` needs a model shaped like models/c2.json (environments dev and staging, apps web and worker bound to services db and queue): {e}"
                )
            })?;
        }
        Ok(())
    }
}
