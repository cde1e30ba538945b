//! Checks of each model binding, one edge each, from every source that shows bindings:
//! the instance's bound apps (`cf services`, the API) and the app's own view (`cf env APP`).

use crate::cf_name;
use crate::model::{App, Binding, Environment, Service};
use crate::observe::{AppEnvSeen, Coverage, DeploymentView, Observation, ObservedApp};
use crate::time_format;
use crate::verify::cause::{Detail, UnknownCause, Unseen};
use crate::verify::check_builder::new_check;
use crate::verify::evidence::{BINDINGS_NOT_COVERED, Lookup};
use crate::verify::index::Index;
use crate::verify::{Check, CheckKind, Element, Status, repair};

/// What one source says about one binding.
enum Says {
    /// Bound, with when the binding was created.
    Present {
        made: Made,
    },
    /// Being created (`create in progress`): not in effect yet.
    Pending,
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
    let (running_since, starting, app_unseen) = match idx.find_app(&app.name) {
        Lookup::Found(a) => (a.running_since.as_deref(), restarting(a), None),
        Lookup::Unknown(unseen) => (None, None, Some(unseen)),
        _ => (None, None, None),
    };
    let times = Times {
        running_since,
        app_unseen,
        starting,
    };
    out.push(decide(env, app, binding, service, c, says, times));
}

/// When a source says a binding was created.
#[derive(Clone, Copy)]
enum Made {
    /// The source does not show when bindings are created (no capture does).
    NotShown,
    /// The source shows it for bindings, but not for this one (the API's `created_at`
    /// missing or not a time).
    Unreadable,
    At(i64),
}

/// What the app's running instances show of when their environments were fixed, and what is
/// starting new ones (which will have the binding).
struct Times<'a> {
    running_since: Option<&'a [i64]>,
    /// Why the app itself could not be seen, when it could not.
    app_unseen: Option<Unseen>,
    starting: Option<String>,
}

/// What is starting new instances of the app: a deployment in flight, or instances
/// STARTING.
fn restarting(a: &ObservedApp) -> Option<String> {
    if let DeploymentView::Seen(d) = &a.deployment
        && d.state.active()
    {
        return Some(format!(
            "the deployment of {} ({})",
            a.name,
            d.state.as_str()
        ));
    }
    let n: u32 = a.starting.values().sum();
    (n > 0).then(|| {
        format!(
            "{n} {} of {} starting",
            if n == 1 { "instance" } else { "instances" },
            a.name
        )
    })
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
                let made = seen
                    .bound_at
                    .iter()
                    .find(|b| cf_name::same(&b.app, &app.name));
                Says::Present {
                    made: match made {
                        None => Made::NotShown,
                        Some(b) => b.at.map_or(Made::Unreadable, Made::At),
                    },
                }
            } else if seen
                .binding_pending
                .iter()
                .any(|a| cf_name::same(a, &app.name))
            {
                Says::Pending
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
            Says::Present {
                made: Made::NotShown,
            }
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

/// The binding's status from what every source says: a missing instance, then a binding
/// being created (pending: the app's own view lacks it until then), then any source that
/// shows it absent, then any that shows it present (and whether the running app can see it);
/// UNKNOWN only when no source could answer, and not checked when none covers bindings.
fn decide(
    env: &Environment,
    app: &App,
    binding: &Binding,
    service: &Service,
    c: Check,
    says: Vec<Says>,
    times: Times,
) -> Check {
    if says.iter().any(|s| matches!(s, Says::InstanceMissing)) {
        return instance_missing(env, app, binding, service, c);
    }
    if says.iter().any(|s| matches!(s, Says::Pending)) {
        return c
            .with(
                Status::Warning,
                format!(
                    "the binding of {} to {} is being created (create in progress): not in effect yet",
                    app.name, service.name
                ),
            )
            .observed("binding being created")
            .pending(format!(
                "the binding of {} to {} being created",
                app.name, service.name
            ));
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
    if let Some(made) = says.iter().find_map(|s| match s {
        Says::Present { made } => Some(*made),
        _ => None,
    }) {
        return present(env, (app, binding, service), c, made, times);
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

/// A binding a source shows: OK, unless when it was made and when the app's running
/// instances started show that they cannot see it (see [`in_effect`]). A source that shows
/// when bindings are made (the API) but not when this one was, or not when the app's running
/// instances started, leaves that UNKNOWN: a binding made after them is the half-repair
/// this check exists to catch.
fn present(
    env: &Environment,
    (app, binding, service): (&App, &Binding, &Service),
    c: Check,
    made: Made,
    times: Times,
) -> Check {
    let (a, s) = (&app.name, &service.name);
    let cannot_tell = |what: &str| {
        c.clone().observed("bound").unknown(
            UnknownCause::NotShown(Detail::BindingInEffect),
            format!("{a} is bound to {s}, but {what} is not shown: whether the running app can see the binding cannot be told"),
        )
    };
    match (made, times.running_since, times.app_unseen) {
        (Made::NotShown, ..) => c
            .with(Status::Ok, format!("{a} is bound to {s}"))
            .observed("bound"),
        (Made::Unreadable, ..) => cannot_tell("when the binding was made"),
        (Made::At(at), Some(since), _) => {
            let starting = times.starting.as_deref();
            in_effect(env, (app, binding, service), &c, at, since, starting).unwrap_or_else(|| {
                c.with(Status::Ok, format!("{a} is bound to {s}"))
                    .observed("bound")
            })
        }
        (Made::At(_), None, Some(unseen)) => c.could_not_see(
            &format!("whether the running {a} can see its binding to {s}"),
            unseen,
        ),
        (Made::At(_), None, None) => {
            cannot_tell(&format!("when the running instances of {a} started"))
        }
    }
}

/// How close (seconds) a binding's creation and an instance's start can be and still be told
/// apart: both times come in whole seconds, from the Cloud Controller's and Diego's clocks.
const SAME_TIME: i64 = 2;

/// A binding reaches an app's environment only when its instances start: created after
/// every running instance started, the running app cannot see it. `None` when it can (or
/// no instance runs: the app's own checks say so). While new instances are `starting` (a
/// deployment, a restart), which will have it, that is pending.
fn in_effect(
    env: &Environment,
    (app, binding, service): (&App, &Binding, &Service),
    c: &Check,
    at: i64,
    running_since: &[i64],
    starting: Option<&str>,
) -> Option<Check> {
    let when = time_format::utc_minute(at);
    let before = running_since
        .iter()
        .filter(|&&s| s < at - SAME_TIME)
        .count();
    let unsure = running_since
        .iter()
        .filter(|&&s| (at - SAME_TIME..=at + SAME_TIME).contains(&s))
        .count();
    let total = running_since.len();
    let c = c.clone().observed(format!(
        "bound at {when}; {total} running {}, {before} started before it",
        if total == 1 { "instance" } else { "instances" }
    ));
    let restage = repair::restage(app);
    if let Some(what) = starting.filter(|_| before > 0) {
        return Some(
            c.with(
                Status::Warning,
                format!(
                    "{} was bound to {} at {when}, after {before} of its {total} running instances started; new ones are starting ({what})",
                    app.name, service.name
                ),
            )
            .pending(what.to_owned()),
        );
    }
    if total > 0 && before == total {
        return Some(
            c.with(
                failing(binding),
                format!(
                    "{} was bound to {} at {when} but has not been restarted since: the running app cannot see it",
                    app.name, service.name
                ),
            )
            .fix(Some(repair::binding_impact(env, app, binding)), Some(restage)),
        );
    }
    if before > 0 {
        return Some(
            c.with(
                Status::Warning,
                format!(
                    "{before} of {total} running instances of {} started before it was bound to {} at {when}: they cannot see it",
                    app.name, service.name
                ),
            )
            .fix(
                Some(format!(
                    "{}, on {before} of {total} instances",
                    repair::binding_impact(env, app, binding)
                )),
                Some(restage),
            ),
        );
    }
    (unsure > 0).then(|| {
        c.unknown(
            UnknownCause::NotShown(Detail::BindingInEffect),
            format!(
                "{} was bound to {} at {when}, within seconds of when {unsure} of its running instances started: whether they can see it cannot be told",
                app.name, service.name
            ),
        )
    })
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
