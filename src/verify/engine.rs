//! The checks of the spec's table, from a model environment and its observation, and how
//! their statuses combine per environment and per run.

use crate::model::Model;
use crate::observe::Observation;
use crate::verify::app_checks::check_app;
use crate::verify::binding_checks::check_binding;
use crate::verify::cause::UnknownCause;
use crate::verify::check_builder::check_with_id;
use crate::verify::index::Index;
use crate::verify::service_checks::check_service;
use crate::verify::unexpected::check_unexpected;
use crate::verify::{Check, CheckKind, Element, EnvironmentVerdict, Status, Verdict};

/// Verifies each observed environment against the model.
///
/// `observations` holds one [`Observation`] per environment to verify (several for the same
/// environment are merged). Environments come out in model order; checks in a fixed order
/// within each: bindings, service instances, apps, then what the model lacks.
pub fn verify(model: &Model, observations: &[Observation]) -> Verdict {
    let mut merged: Vec<Observation> = Vec::new();
    for o in observations {
        match merged.iter_mut().find(|m| m.environment == o.environment) {
            Some(m) => m.merge(o.clone()),
            None => merged.push(o.clone()),
        }
    }
    let position = |name: &str| {
        model
            .environments
            .iter()
            .position(|e| e.name == name)
            .unwrap_or(usize::MAX)
    };
    merged.sort_by(|a, b| {
        position(&a.environment)
            .cmp(&position(&b.environment))
            .then_with(|| a.environment.cmp(&b.environment))
    });

    let mut environments = Vec::new();
    let mut checks = Vec::new();
    for obs in &merged {
        let env_checks = verify_environment(model, obs);
        environments.push(EnvironmentVerdict {
            name: obs.environment.clone(),
            status: Status::worst(env_checks.iter().map(|c| c.status)),
            sources: obs.sources.clone(),
        });
        checks.extend(env_checks);
    }
    Verdict {
        system: model.system.clone(),
        status: Status::worst(environments.iter().map(|e| e.status)),
        environments,
        checks,
    }
}

fn verify_environment(model: &Model, obs: &Observation) -> Vec<Check> {
    let Some(env) = model.environment(&obs.environment) else {
        let id = format!("{0}/unexpected/environment/{0}", obs.environment);
        let name = &obs.environment;
        let check = check_with_id(id, name, CheckKind::Unexpected, name, Element::None)
            .unknown(
                UnknownCause::UnknownEnvironment { name: name.clone() },
                format!(
                    "the model {} has no environment {name}, so nothing could be verified",
                    model.file
                ),
            )
            .expected(format!(
                "one of the model's environments: {}",
                model.environment_names().join(", ")
            ));
        return vec![check];
    };
    let idx = Index::new(env, obs);
    let mut out = Vec::new();
    for (app, binding, service) in idx.bindings() {
        check_binding(env, obs, &idx, app, binding, service, &mut out);
    }
    for service in &env.services {
        check_service(model, env, &idx, service, &mut out);
    }
    for app in &env.apps {
        check_app(model, env, &idx, app, &mut out);
    }
    check_unexpected(model, env, obs, &idx, &mut out);
    out
}
