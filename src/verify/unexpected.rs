//! "Nothing unexpected": instances, apps and bindings that exist but the model lacks, and
//! whether the sources showed enough to say there are no others.

use crate::model::{Environment, Model};
use crate::observe::{
    AppEnvSeen, AppsSeen, Coverage, Observation, ObservedApp, ObservedService, ServicesSeen,
};
use crate::verify::cause::{UnknownCause, Unseen};
use crate::verify::check_builder::new_check;
use crate::verify::evidence::{APPS_NOT_COVERED, BINDINGS_NOT_COVERED, SERVICES_NOT_COVERED};
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
    let mut u = Unexpected {
        model,
        env,
        idx,
        space: format!("{} / {}", env.org, env.space),
        extras: BTreeMap::new(),
    };
    out.push(u.instances(&obs.services));
    out.push(u.bindings(&obs.services));
    for view in &obs.app_envs {
        u.app_env(view);
    }
    out.push(u.apps(&obs.apps));
    out.extend(u.extras.into_values());
}

/// One environment's search for what the model lacks: a summary check per part (instances,
/// bindings, apps), and a check per extra, kept by id (the first source to show it wins).
struct Unexpected<'a> {
    model: &'a Model,
    env: &'a Environment,
    idx: &'a Index<'a>,
    /// `ORG / SPACE`, for the summaries' subjects.
    space: String,
    extras: BTreeMap<String, Check>,
}

impl Unexpected<'_> {
    fn add(&mut self, c: Check) {
        self.extras.entry(c.id.clone()).or_insert(c);
    }

    fn summary(&self, key: &str, subject: String, expected: &str) -> Check {
        new_check(self.env, CheckKind::Unexpected, key, subject, Element::None).expected(expected)
    }

    /// Instances the model lacks, each a WARNING, and a summary of whether there are others.
    fn instances(&mut self, services: &Coverage<ServicesSeen>) -> Check {
        let summary = self.summary(
            "services",
            format!("service instances in {}", self.space),
            "only the model's instances",
        );
        let whether = "whether instances the model lacks exist";
        let seen = match services {
            Coverage::NotCovered => return summary.with(Status::NotChecked, SERVICES_NOT_COVERED),
            Coverage::Unavailable { reason } => return unavailable(summary, whether, reason),
            Coverage::Seen(seen) => seen,
        };
        let mut count = 0;
        for s in &seen.instances {
            if self.idx.service_by_name(&s.name).is_none() {
                count += 1;
                let c = self.extra_instance(s, seen.bindings_hidden.is_none());
                self.add(c);
            }
        }
        none_besides(summary, "instance", count, whether, &seen.gaps)
    }

    fn extra_instance(&self, s: &ObservedService, bindings_shown: bool) -> Check {
        let mut observed = match (&s.offering, &s.plan, s.user_provided) {
            (_, _, true) => "user-provided".to_owned(),
            (o, p, false) => format!(
                "offering {}, plan {}",
                o.as_deref().unwrap_or("(not shown)"),
                p.as_deref().unwrap_or("(not shown)")
            ),
        };
        if bindings_shown && !s.bound_apps.is_empty() {
            observed.push_str(&format!("; bound apps: {}", s.bound_apps.join(", ")));
        }
        new_check(
            self.env,
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
                "add it to `services` in {}; before removing it, check `cf service {1}`: it may be shared from another space (unshare it there) or still in use",
                self.model.file, s.name
            )),
        )
    }

    /// Bindings the model lacks, seen from the instances' side, and a summary.
    fn bindings(&mut self, services: &Coverage<ServicesSeen>) -> Check {
        let summary = self.summary(
            "bindings",
            format!("bindings in {}", self.space),
            "only the model's bindings",
        );
        let whether = "whether bindings the model lacks exist";
        let seen = match services {
            Coverage::NotCovered => return summary.with(Status::NotChecked, BINDINGS_NOT_COVERED),
            Coverage::Unavailable { reason } => return unavailable(summary, whether, reason),
            Coverage::Seen(seen) => seen,
        };
        if let Some(reason) = &seen.bindings_hidden {
            let hidden = Unseen::BindingsHidden {
                reason: reason.clone(),
            };
            return summary.could_not_see(whether, hidden);
        }
        let mut count = 0;
        for s in &seen.instances {
            for a in &s.bound_apps {
                if let Some(c) =
                    extra_binding(self.model, self.env, self.idx, a, &s.name, "cf services")
                {
                    count += 1;
                    self.add(c);
                }
            }
        }
        none_besides(summary, "binding", count, whether, &seen.gaps)
    }

    /// One app's `cf env` output: bindings it shows that the model lacks, or, for an app the
    /// model lacks, the output itself.
    fn app_env(&mut self, view: &AppEnvSeen) {
        if self.idx.app_by_name(&view.app).is_none() {
            let c = self.app_env_of_extra_app(view);
            self.add(c);
            return;
        }
        match &view.bound_instances {
            Coverage::Seen(instances) => {
                for i in instances {
                    if let Some(c) =
                        extra_binding(self.model, self.env, self.idx, &view.app, i, "cf env")
                    {
                        self.add(c);
                    }
                }
            }
            // Given and not readable: never silently passed over, even when `cf services`
            // showed every binding the model has.
            Coverage::Unavailable { reason } => {
                let c = new_check(
                    self.env,
                    CheckKind::Unexpected,
                    &format!("app-env/{}", view.app),
                    &view.app,
                    Element::None,
                )
                .expected(format!("`cf env {}` output that can be read", view.app))
                .could_not_see(
                    &format!("whether {} has bindings the model lacks", view.app),
                    Unseen::AppEnvUnreadable {
                        app: view.app.clone(),
                        reason: reason.clone(),
                    },
                );
                self.add(c);
            }
            Coverage::NotCovered => {}
        }
    }

    /// `cf env` output given for an app the model of this environment lacks.
    fn app_env_of_extra_app(&self, view: &AppEnvSeen) -> Check {
        let c = new_check(
            self.env,
            CheckKind::Unexpected,
            &format!("app-env/{}", view.app),
            &view.app,
            Element::ExtraApp {
                name: view.app.clone(),
            },
        )
        .expected(format!("`cf env` output for an app of {}", self.env.name));
        match &view.bound_instances {
            Coverage::Unavailable { reason } => c.unknown(
                UnknownCause::AppEnvNotUsed {
                    app: view.app.clone(),
                    reason: reason.clone(),
                },
                format!("`cf env {}` output was not used: {reason}", view.app),
            ),
            _ => c.with(
                Status::Warning,
                format!(
                    "`cf env` output is for {}, an app the model of {} lacks",
                    view.app, self.env.name
                ),
            ),
        }
    }

    /// Apps the model lacks, each a WARNING, and a summary of whether there are others.
    fn apps(&mut self, apps: &Coverage<AppsSeen>) -> Check {
        let summary = self.summary(
            "apps",
            format!("apps in {}", self.space),
            "only the model's apps",
        );
        let whether = "whether apps the model lacks exist";
        let seen = match apps {
            Coverage::NotCovered => return summary.with(Status::NotChecked, APPS_NOT_COVERED),
            Coverage::Unavailable { reason } => return unavailable(summary, whether, reason),
            Coverage::Seen(seen) => seen,
        };
        let mut count = 0;
        for a in &seen.apps {
            if self.idx.app_by_name(&a.name).is_none() {
                count += 1;
                let c = self.extra_app(a);
                self.add(c);
            }
        }
        none_besides(summary, "app", count, whether, &seen.gaps)
    }

    fn extra_app(&self, a: &ObservedApp) -> Check {
        new_check(
            self.env,
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
                "add it to `apps` in {}, or, once nothing needs it: cf delete {}",
                self.model.file, a.name
            )),
        )
    }
}

/// A summary whose source failed: UNKNOWN.
fn unavailable(summary: Check, whether: &str, reason: &str) -> Check {
    let failed = Unseen::SourceFailed {
        reason: reason.to_owned(),
    };
    summary.could_not_see(whether, failed)
}

/// A summary of a part that was seen: OK when all of it was read, else UNKNOWN (an
/// unreadable piece might hide another extra).
fn none_besides(
    summary: Check,
    what: &str,
    extras: usize,
    whether: &str,
    gaps: &[String],
) -> Check {
    if gaps.is_empty() {
        summary.with(Status::Ok, others_message(what, extras))
    } else {
        let unreadable = Unseen::Unreadable {
            gaps: gaps.to_vec(),
        };
        summary.could_not_see(whether, unreadable)
    }
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
