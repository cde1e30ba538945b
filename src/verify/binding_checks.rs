//! Checks of each model binding, one edge each, from every source that shows bindings:
//! the instance's bound apps (`cf services`, the API) and the app's own view (`cf env APP`).

use crate::model::{App, Binding, Environment, Service};
use crate::observe::{Coverage, Observation};
use crate::verify::check_builder::new_check;
use crate::verify::evidence::{BINDINGS_NOT_COVERED, Lookup, could_not_see};
use crate::verify::index::Index;
use crate::verify::{Check, CheckKind, Element, Status, repair};

/// What one source says about one binding.
enum Says {
    Present,
    /// Absent, with what was observed instead.
    Absent(String),
    /// The instance itself does not exist.
    InstanceMissing,
    Unknown(String),
}

pub(crate) fn check_binding(
    env: &Environment,
    obs: &Observation,
    idx: &Index,
    app: &App,
    binding: &Binding,
    service: &Service,
    out: &mut Vec<Check>,
) {
    let key = format!("{}->{}", app.id, service.id);
    let c = new_check(
        env,
        CheckKind::BindingExists,
        &key,
        format!("{} -> {}", app.name, service.name),
        Element::Binding {
            app: app.id.clone(),
            service: service.id.clone(),
        },
    )
    .expected(format!("{} bound to {}", app.name, service.name));

    let mut says: Vec<Says> = Vec::new();
    match idx.find_service(&service.name) {
        Lookup::NotCovered => {}
        Lookup::Unknown(reason) => says.push(Says::Unknown(reason)),
        Lookup::Missing => says.push(Says::InstanceMissing),
        Lookup::Found(seen) => {
            let hidden = obs.services.seen().and_then(|s| s.bindings_hidden.clone());
            if let Some(reason) = hidden {
                says.push(Says::Unknown(reason));
            } else if seen.bound_apps.iter().any(|a| a == &app.name) {
                says.push(Says::Present);
            } else if seen.bound_apps.is_empty() {
                says.push(Says::Absent(format!("{} has no bound apps", service.name)));
            } else {
                says.push(Says::Absent(format!(
                    "bound apps of {}: {}",
                    service.name,
                    seen.bound_apps.join(", ")
                )));
            }
        }
    }
    for view in obs.app_envs.iter().filter(|v| v.app == app.name) {
        match &view.bound_instances {
            Coverage::NotCovered => {}
            Coverage::Unavailable { reason } => says.push(Says::Unknown(format!(
                "`cf env {}` could not be read: {reason}",
                app.name
            ))),
            Coverage::Seen(instances) if instances.iter().any(|i| i == &service.name) => {
                says.push(Says::Present)
            }
            Coverage::Seen(instances) => says.push(Says::Absent(format!(
                "VCAP_SERVICES of {} lists {}",
                app.name,
                if instances.is_empty() {
                    "no instance".to_owned()
                } else {
                    instances.join(", ")
                }
            ))),
        }
    }

    let fail = if binding.critical {
        Status::Critical
    } else {
        Status::Warning
    };
    let kind = service.kind.as_str();
    if says.iter().any(|s| matches!(s, Says::InstanceMissing)) {
        out.push(
            c.with(
                fail,
                format!(
                    "{} lost its binding to {} ({kind}): the instance is missing",
                    app.name, service.name
                ),
            )
            .observed(format!("no instance {} in the space", service.name))
            .fix(
                Some(repair::binding_impact(env, app, binding)),
                Some(format!(
                    "{}\n{}",
                    repair::create_service(service),
                    repair::bind(app, service)
                )),
            ),
        );
        return;
    }
    let absent: Vec<&str> = says
        .iter()
        .filter_map(|s| match s {
            Says::Absent(o) => Some(o.as_str()),
            _ => None,
        })
        .collect();
    if !absent.is_empty() {
        out.push(
            c.with(
                fail,
                format!("{} lost its binding to {} ({kind})", app.name, service.name),
            )
            .observed(absent.join("; "))
            .fix(
                Some(repair::binding_impact(env, app, binding)),
                Some(repair::bind(app, service)),
            ),
        );
        return;
    }
    if says.iter().any(|s| matches!(s, Says::Present)) {
        out.push(
            c.with(
                Status::Ok,
                format!("{} is bound to {}", app.name, service.name),
            )
            .observed("bound"),
        );
        return;
    }
    let unknown: Vec<&str> = says
        .iter()
        .filter_map(|s| match s {
            Says::Unknown(r) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    if !unknown.is_empty() {
        out.push(c.with(
            Status::Unknown,
            could_not_see(
                &format!("whether {} is bound to {}", app.name, service.name),
                &unknown.join("; "),
            ),
        ));
        return;
    }
    out.push(c.with(Status::NotChecked, BINDINGS_NOT_COVERED));
}
