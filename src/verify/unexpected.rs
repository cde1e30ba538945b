//! "Nothing unexpected": instances, apps and bindings that exist but the model lacks, and
//! whether the sources showed enough to say there are no others.

use crate::model::{Environment, Model};
use crate::observe::{Coverage, Observation};
use crate::verify::check_builder::new_check;
use crate::verify::evidence::{
    APPS_NOT_COVERED, BINDINGS_NOT_COVERED, SERVICES_NOT_COVERED, could_not_see, unreadable,
};
use crate::verify::index::Index;
use crate::verify::{Check, CheckKind, Element, Status};
use std::collections::BTreeMap;

pub(crate) fn check_unexpected(
    model: &Model,
    env: &Environment,
    obs: &Observation,
    idx: &Index,
    out: &mut Vec<Check>,
) {
    let file = &model.file;
    let space = format!("{} / {}", env.org, env.space);
    let mut extras: BTreeMap<String, Check> = BTreeMap::new();
    let mut add = |c: Check| {
        extras.entry(c.id.clone()).or_insert(c);
    };

    // Instances and their bindings.
    let summary = new_check(
        env,
        CheckKind::Unexpected,
        "services",
        format!("service instances in {space}"),
        Element::None,
    )
    .expected("only the model's instances");
    let mut extra_count = 0;
    match &obs.services {
        Coverage::NotCovered => out.push(summary.with(Status::NotChecked, SERVICES_NOT_COVERED)),
        Coverage::Unavailable { reason } => out.push(summary.with(
            Status::Unknown,
            could_not_see("whether instances the model lacks exist", reason),
        )),
        Coverage::Seen(seen) => {
            for s in &seen.instances {
                if idx.service_by_name(&s.name).is_some() {
                    continue;
                }
                extra_count += 1;
                let mut observed = match (&s.offering, &s.plan, s.user_provided) {
                    (_, _, true) => "user-provided".to_owned(),
                    (o, p, false) => format!(
                        "offering {}, plan {}",
                        o.as_deref().unwrap_or("(not shown)"),
                        p.as_deref().unwrap_or("(not shown)")
                    ),
                };
                if seen.bindings_hidden.is_none() && !s.bound_apps.is_empty() {
                    observed.push_str(&format!("; bound apps: {}", s.bound_apps.join(", ")));
                }
                add(new_check(
                    env,
                    CheckKind::Unexpected,
                    &format!("service/{}", s.name),
                    &s.name,
                    Element::ExtraService {
                        name: s.name.clone(),
                    },
                )
                .expected("not in the model")
                .observed(observed)
                .with(
                    Status::Warning,
                    format!("service instance {} exists but the model lacks it", s.name),
                )
                .fix(
                    Some(format!(
                        "undocumented: the diagram, docs and manifests do not show {}",
                        s.name
                    )),
                    Some(format!(
                        "add it to `services` in {file}; before removing it, check `cf service {0}`: it may be shared from another space (unshare it there) or still in use",
                        s.name
                    )),
                ));
            }
            out.push(if seen.gaps.is_empty() {
                summary.with(Status::Ok, others_message("instance", extra_count))
            } else {
                summary.with(
                    Status::Unknown,
                    could_not_see(
                        "whether instances the model lacks exist",
                        &unreadable(&seen.gaps),
                    ),
                )
            });
        }
    }

    // Bindings seen from the instances' side.
    let bsummary = new_check(
        env,
        CheckKind::Unexpected,
        "bindings",
        format!("bindings in {space}"),
        Element::None,
    )
    .expected("only the model's bindings");
    let mut binding_extras = 0;
    match &obs.services {
        Coverage::NotCovered => out.push(bsummary.with(Status::NotChecked, BINDINGS_NOT_COVERED)),
        Coverage::Unavailable { reason } => out.push(bsummary.with(
            Status::Unknown,
            could_not_see("whether bindings the model lacks exist", reason),
        )),
        Coverage::Seen(seen) => {
            if let Some(reason) = &seen.bindings_hidden {
                out.push(bsummary.with(
                    Status::Unknown,
                    could_not_see("whether bindings the model lacks exist", reason),
                ));
            } else {
                for s in &seen.instances {
                    for a in &s.bound_apps {
                        if let Some(c) = extra_binding(model, env, idx, a, &s.name, "cf services") {
                            binding_extras += 1;
                            add(c);
                        }
                    }
                }
                out.push(if seen.gaps.is_empty() {
                    bsummary.with(Status::Ok, others_message("binding", binding_extras))
                } else {
                    bsummary.with(
                        Status::Unknown,
                        could_not_see(
                            "whether bindings the model lacks exist",
                            &unreadable(&seen.gaps),
                        ),
                    )
                });
            }
        }
    }
    // Bindings seen from the apps' side, and `cf env` output for apps the model lacks.
    for view in &obs.app_envs {
        if idx.app_by_name(&view.app).is_none() {
            let c = new_check(
                env,
                CheckKind::Unexpected,
                &format!("app-env/{}", view.app),
                &view.app,
                Element::ExtraApp {
                    name: view.app.clone(),
                },
            )
            .expected(format!("`cf env` output for an app of {}", env.name));
            add(match &view.bound_instances {
                Coverage::Unavailable { reason } => c.with(
                    Status::Unknown,
                    format!("`cf env {}` output was not used: {reason}", view.app),
                ),
                _ => c.with(
                    Status::Warning,
                    format!(
                        "`cf env` output is for {}, an app the model of {} lacks",
                        view.app, env.name
                    ),
                ),
            });
            continue;
        }
        match &view.bound_instances {
            Coverage::Seen(instances) => {
                for i in instances {
                    if let Some(c) = extra_binding(model, env, idx, &view.app, i, "cf env") {
                        add(c);
                    }
                }
            }
            // Given and not readable: never silently passed over, even when `cf services`
            // showed every binding the model has.
            Coverage::Unavailable { reason } => add(new_check(
                env,
                CheckKind::Unexpected,
                &format!("app-env/{}", view.app),
                &view.app,
                Element::None,
            )
            .expected(format!("`cf env {}` output that can be read", view.app))
            .with(
                Status::Unknown,
                could_not_see(
                    &format!("whether {} has bindings the model lacks", view.app),
                    &format!("`cf env {}` could not be read: {reason}", view.app),
                ),
            )),
            Coverage::NotCovered => {}
        }
    }

    // Apps.
    let asummary = new_check(
        env,
        CheckKind::Unexpected,
        "apps",
        format!("apps in {space}"),
        Element::None,
    )
    .expected("only the model's apps");
    match &obs.apps {
        Coverage::NotCovered => out.push(asummary.with(Status::NotChecked, APPS_NOT_COVERED)),
        Coverage::Unavailable { reason } => out.push(asummary.with(
            Status::Unknown,
            could_not_see("whether apps the model lacks exist", reason),
        )),
        Coverage::Seen(seen) => {
            let mut count = 0;
            for a in &seen.apps {
                if idx.app_by_name(&a.name).is_some() {
                    continue;
                }
                count += 1;
                add(new_check(
                    env,
                    CheckKind::Unexpected,
                    &format!("app/{}", a.name),
                    &a.name,
                    Element::ExtraApp {
                        name: a.name.clone(),
                    },
                )
                .expected("not in the model")
                .observed("exists")
                .with(
                    Status::Warning,
                    format!("app {} exists but the model lacks it", a.name),
                )
                .fix(
                    Some(format!(
                        "undocumented: the diagram, docs and manifests do not show {}",
                        a.name
                    )),
                    Some(format!(
                        "add it to `apps` in {file}, or, once nothing needs it: cf delete {}",
                        a.name
                    )),
                ));
            }
            out.push(if seen.gaps.is_empty() {
                asummary.with(Status::Ok, others_message("app", count))
            } else {
                asummary.with(
                    Status::Unknown,
                    could_not_see(
                        "whether apps the model lacks exist",
                        &unreadable(&seen.gaps),
                    ),
                )
            });
        }
    }
    out.extend(extras.into_values());
}

fn others_message(what: &str, extras: usize) -> String {
    if extras == 0 {
        format!("no {what} the model lacks")
    } else {
        format!("no {what} the model lacks besides the {extras} listed")
    }
}

/// A binding `app -> instance` (CF names) the model lacks, when at least one end is in the
/// model (an extra instance's own bindings are part of that instance's finding).
fn extra_binding(
    model: &Model,
    env: &Environment,
    idx: &Index,
    app_name: &str,
    service_name: &str,
    source: &str,
) -> Option<Check> {
    let app = idx.app_by_name(app_name);
    let service = idx.service_by_name(service_name);
    if app.is_none() && service.is_none() {
        return None;
    }
    if let (Some(a), Some(s)) = (app, service)
        && a.bindings.iter().any(|b| b.service == s.id)
    {
        return None;
    }
    Some(
        new_check(
            env,
            CheckKind::Unexpected,
            &format!("binding/{app_name}->{service_name}"),
            format!("{app_name} -> {service_name}"),
            Element::ExtraBinding {
                app: app_name.to_owned(),
                service: service_name.to_owned(),
            },
        )
        .expected("not in the model")
        .observed(format!("bound (seen in {source})"))
        .with(
            Status::Warning,
            format!("{app_name} is bound to {service_name}, which the model lacks"),
        )
        .fix(
            Some(format!(
                "{app_name} gets the credentials of {service_name}, which the diagram and manifests do not show"
            )),
            Some(format!(
                "add the binding to the app's `services` in {}, or: cf unbind-service {app_name} {service_name}",
                model.file
            )),
        ),
    )
}
