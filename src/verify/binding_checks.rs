//! Checks of each model binding, one edge each, from every source that shows bindings:
//! the instance's bound apps (`cf services`, the API) and the app's own view (`cf env APP`).

use crate::cf_name;
use crate::model::{App, Binding, Environment, Service};
use crate::observe::{AppEnvSeen, Coverage, Observation};
use crate::verify::cause::Unseen;
use crate::verify::check_builder::new_check;
use crate::verify::evidence::{BINDINGS_NOT_COVERED, Lookup};
use crate::verify::index::Index;
use crate::verify::{Check, CheckKind, Element, Status, repair};

/// What one source says about one binding.
enum Says {
    Present,
    /// Absent, with what was observed instead.
    Absent(String),
    /// The instance itself does not exist.
    InstanceMissing,
    Unknown(Unseen),
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
    says.extend(instance_says(obs, idx, app, service));
    for view in obs
        .app_envs
        .iter()
        .filter(|v| cf_name::same(&v.app, &app.name))
    {
        says.extend(app_env_says(view, app, service));
    }
    out.push(decide(env, app, binding, service, c, says));
}

/// What the instance's bound apps (`cf services`, the API) say; `None` when no source
/// covers instances.
fn instance_says(obs: &Observation, idx: &Index, app: &App, service: &Service) -> Option<Says> {
    Some(match idx.find_service(&service.name) {
        Lookup::NotCovered => return None,
        Lookup::Unknown(unseen) => Says::Unknown(unseen),
        Lookup::Missing => Says::InstanceMissing,
        Lookup::Found(seen) => {
            let hidden = obs.services.seen().and_then(|s| s.bindings_hidden.clone());
            if let Some(reason) = hidden {
                Says::Unknown(Unseen::BindingsHidden { reason })
            } else if seen.bound_apps.iter().any(|a| cf_name::same(a, &app.name)) {
                Says::Present
            } else if seen.bound_apps.is_empty() {
                Says::Absent(format!("{} has no bound apps", service.name))
            } else {
                Says::Absent(format!(
                    "bound apps of {}: {}",
                    service.name,
                    seen.bound_apps.join(", ")
                ))
            }
        }
    })
}

/// What the app's own `cf env` output says.
fn app_env_says(view: &AppEnvSeen, app: &App, service: &Service) -> Option<Says> {
    Some(match &view.bound_instances {
        Coverage::NotCovered => return None,
        Coverage::Unavailable { reason } => Says::Unknown(Unseen::AppEnvUnreadable {
            app: app.name.clone(),
            reason: reason.clone(),
        }),
        Coverage::Seen(instances) if instances.iter().any(|i| cf_name::same(i, &service.name)) => {
            Says::Present
        }
        Coverage::Seen(instances) => Says::Absent(format!(
            "VCAP_SERVICES of {} lists {}",
            app.name,
            if instances.is_empty() {
                "no instance".to_owned()
            } else {
                instances.join(", ")
            }
        )),
    })
}

/// The binding's status from what every source says: a missing instance, then any source
/// that shows it absent, then any that shows it present; UNKNOWN only when no source could
/// answer, and not checked when none covers bindings.
fn decide(
    env: &Environment,
    app: &App,
    binding: &Binding,
    service: &Service,
    c: Check,
    says: Vec<Says>,
) -> Check {
    if says.iter().any(|s| matches!(s, Says::InstanceMissing)) {
        return instance_missing(env, app, binding, service, c);
    }
    let absent: Vec<&str> = says
        .iter()
        .filter_map(|s| match s {
            Says::Absent(o) => Some(o.as_str()),
            _ => None,
        })
        .collect();
    if !absent.is_empty() {
        return lost(env, app, binding, service, c, absent.join("; "));
    }
    if says.iter().any(|s| matches!(s, Says::Present)) {
        return c
            .with(
                Status::Ok,
                format!("{} is bound to {}", app.name, service.name),
            )
            .observed("bound");
    }
    let unknown = says.into_iter().filter_map(|s| match s {
        Says::Unknown(u) => Some(u),
        _ => None,
    });
    match Unseen::of_all(unknown.collect()) {
        Some(unseen) => c.could_not_see(
            &format!("whether {} is bound to {}", app.name, service.name),
            unseen,
        ),
        None => c.with(Status::NotChecked, BINDINGS_NOT_COVERED),
    }
}

/// A lost binding is CRITICAL when the model marks it critical, otherwise a WARNING.
fn failing(binding: &Binding) -> Status {
    if binding.critical {
        Status::Critical
    } else {
        Status::Warning
    }
}

/// The binding is lost with its instance: the repair creates the instance, then binds.
fn instance_missing(
    env: &Environment,
    app: &App,
    binding: &Binding,
    service: &Service,
    c: Check,
) -> Check {
    c.with(
        failing(binding),
        format!(
            "{} lost its binding to {} ({}): the instance is missing",
            app.name,
            service.name,
            service.kind.as_str()
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
    )
}

/// A source shows the instance without the binding; `observed` is what it shows instead.
fn lost(
    env: &Environment,
    app: &App,
    binding: &Binding,
    service: &Service,
    c: Check,
    observed: String,
) -> Check {
    c.with(
        failing(binding),
        format!(
            "{} lost its binding to {} ({})",
            app.name,
            service.name,
            service.kind.as_str()
        ),
    )
    .observed(observed)
    .fix(
        Some(repair::binding_impact(env, app, binding)),
        Some(repair::bind(app, service)),
    )
}
