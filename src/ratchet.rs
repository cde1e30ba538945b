//! The ratchet (`archcheck check MODEL --against OLD`): every expectation that a change of the
//! model removes or weakens, so that a binding deleted from the model (a binding nobody checks
//! any more) is a decision someone acknowledged, never a side effect.
//!
//! What counts, each with a stable id (the old model's environment and ids):
//!
//! | id | the change |
//! |---|---|
//! | `ENV/environment` | the environment is dropped (same name, or same org and space, gone) |
//! | `ENV/app/APP` | the app is gone from the environment |
//! | `ENV/service/SERVICE` | the service instance is gone from the environment |
//! | `ENV/binding/APP->SERVICE` | the app no longer binds the instance |
//! | `ENV/critical/APP->SERVICE` | the binding is no longer critical |
//! | `ENV/instances/APP` | fewer instances |
//! | `ENV/route/APP/ROUTE` | the route is gone |
//!
//! Things are matched by their CF names, the way the platform knows them: an id renamed with
//! the same CF name, or an environment renamed with the same org and space, is no removal;
//! a changed CF name is (nothing checks the old one any more). Additions never count. What a
//! removal takes with it (an app's bindings and routes, a dropped environment's contents, the
//! bindings of a removed instance) is part of that one removal, not listed again.
//!
//! An acknowledgement names the id: a line of an `--allow` file ([`parse_allowances`]) or an
//! `Archcheck-Allow:` commit trailer ([`parse_trailers`]), each optionally followed by a reason.

use crate::cf_name;
use crate::model::{App, Environment, Model, Service};
use std::fmt;

/// The kinds of weakening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    EnvironmentDropped,
    AppRemoved,
    ServiceRemoved,
    BindingRemoved,
    BindingNotCritical,
    InstancesLowered,
    RouteRemoved,
}

/// One expectation the change removes or weakens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Weakening {
    pub kind: Kind,
    /// Stable: `ENV/KIND/SUBJECT` with the old model's names (see the module docs).
    pub id: String,
    /// What changed, in CF names, and what nobody checks any more.
    pub message: String,
}

impl fmt::Display for Weakening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.id, self.message)
    }
}

/// Every expectation of `old` that `new` removes or weakens, in the old model's order.
pub(crate) fn compare(old: &Model, new: &Model) -> Vec<Weakening> {
    let mut out = Vec::new();
    for o in &old.environments {
        match matching_environment(o, old, new) {
            Some(n) => compare_environment(o, n, &mut out),
            None => out.push(Weakening {
                kind: Kind::EnvironmentDropped,
                id: format!("{}/environment", o.name),
                message: format!(
                    "environment {} (org {} / space {}) is dropped: its {} no longer expected",
                    o.name,
                    o.org,
                    o.space,
                    contents(o)
                ),
            }),
        }
    }
    out
}

/// The new environment that is `o`: the same name, else (a rename) the same org and space
/// on the same API, when the new model has no environment of `o`'s name.
fn matching_environment<'a>(
    o: &Environment,
    old: &Model,
    new: &'a Model,
) -> Option<&'a Environment> {
    if let Some(n) = new.environment(&o.name) {
        return Some(n);
    }
    let api = |e: &Environment| {
        e.api
            .as_deref()
            .map(|a| a.trim().trim_end_matches('/').to_ascii_lowercase())
    };
    new.environments.iter().find(|n| {
        old.environment(&n.name).is_none()
            && cf_name::same(&n.org, &o.org)
            && cf_name::same(&n.space, &o.space)
            && api(n) == api(o)
    })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "2 apps, 9 service instances and 18 bindings are"
fn contents(e: &Environment) -> String {
    let bindings = e.bindings().count();
    format!(
        "{}, {} and {} {}",
        plural(e.apps.len(), "app", "apps"),
        plural(e.services.len(), "service instance", "service instances"),
        plural(bindings, "binding", "bindings"),
        if e.apps.len() + e.services.len() + bindings == 1 {
            "is"
        } else {
            "are"
        }
    )
}

fn compare_environment(o: &Environment, n: &Environment, out: &mut Vec<Weakening>) {
    let env = &o.name;
    for app in &o.apps {
        let Some(new_app) = n.app_by_name(&app.name) else {
            let bindings = app.bindings.len();
            out.push(Weakening {
                kind: Kind::AppRemoved,
                id: format!("{env}/app/{}", app.id),
                message: format!(
                    "app {} is gone from environment {env}: it, its {} and its {} are no longer checked",
                    app.name,
                    plural(bindings, "binding", "bindings"),
                    plural(app.routes.len(), "route", "routes"),
                ),
            });
            continue;
        };
        if new_app.instances < app.instances {
            out.push(Weakening {
                kind: Kind::InstancesLowered,
                id: format!("{env}/instances/{}", app.id),
                message: format!(
                    "{} runs {} instead of {}",
                    app.name,
                    plural(new_app.instances as usize, "instance", "instances"),
                    app.instances
                ),
            });
        }
        for route in &app.routes {
            if !new_app.routes.iter().any(|r| r.eq_ignore_ascii_case(route)) {
                out.push(Weakening {
                    kind: Kind::RouteRemoved,
                    id: format!("{env}/route/{}/{route}", app.id),
                    message: format!("{} no longer has route {route}", app.name),
                });
            }
        }
        bindings(o, n, app, new_app, out);
    }
    for svc in &o.services {
        if n.service_by_name(&svc.name).is_none() {
            let bound: Vec<&str> = o
                .bindings()
                .filter(|(_, _, s)| s.id == svc.id)
                .map(|(a, _, _)| a.name.as_str())
                .collect();
            out.push(Weakening {
                kind: Kind::ServiceRemoved,
                id: format!("{env}/service/{}", svc.id),
                message: format!(
                    "service instance {} ({}) is gone from environment {env}{}",
                    svc.name,
                    svc.kind.as_str(),
                    if bound.is_empty() {
                        String::new()
                    } else {
                        format!(", with its bindings to {}", bound.join(", "))
                    }
                ),
            });
        }
    }
}

/// The bindings of `app` that `new_app` drops or makes non-critical; those to an instance the
/// new environment lacks are part of that instance's removal.
fn bindings(o: &Environment, n: &Environment, app: &App, new_app: &App, out: &mut Vec<Weakening>) {
    let env = &o.name;
    for b in &app.bindings {
        let Some(svc) = o.service(&b.service) else {
            continue;
        };
        if n.service_by_name(&svc.name).is_none() {
            continue;
        }
        let now = new_app.bindings.iter().find(|nb| {
            n.service(&nb.service)
                .is_some_and(|s: &Service| cf_name::same(&s.name, &svc.name))
        });
        let id_tail = format!("{}->{}", app.id, svc.id);
        match now {
            None => out.push(Weakening {
                kind: Kind::BindingRemoved,
                id: format!("{env}/binding/{id_tail}"),
                message: format!(
                    "{} is no longer bound to {} ({}): nothing checks that binding any more",
                    app.name,
                    svc.name,
                    svc.kind.as_str()
                ),
            }),
            Some(nb) if b.critical && !nb.critical => out.push(Weakening {
                kind: Kind::BindingNotCritical,
                id: format!("{env}/critical/{id_tail}"),
                message: format!(
                    "the binding of {} to {} ({}) is no longer critical: losing it is a WARNING, not CRITICAL",
                    app.name,
                    svc.name,
                    svc.kind.as_str()
                ),
            }),
            Some(_) => {}
        }
    }
}

/// One acknowledged id and where it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Allowance {
    pub id: String,
    /// Where: `allow.txt:3`, or `commit 1a2b3c4`.
    pub source: String,
    /// The words after the id, if any.
    pub reason: Option<String>,
}

/// One id, then optionally a reason, from a line or a trailer value.
fn allowance(text: &str, source: String) -> Option<Allowance> {
    let text = text.trim();
    let (id, reason) = match text.split_once(char::is_whitespace) {
        Some((id, rest)) => (id, Some(rest.trim().to_owned()).filter(|r| !r.is_empty())),
        None => (text, None),
    };
    (!id.is_empty()).then(|| Allowance {
        id: id.to_owned(),
        source,
        reason,
    })
}

/// An `--allow` file: one id a line, optionally followed by a reason; `#` starts a comment
/// line; blank lines are skipped. `file` names it in each [`Allowance::source`].
pub(crate) fn parse_allowances(file: &str, text: &str) -> Vec<Allowance> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .filter_map(|(i, l)| allowance(l, format!("{file}:{}", i + 1)))
        .collect()
}

/// The `Archcheck-Allow:` trailers of `git log -z --format=%h%n%(trailers:key=Archcheck-Allow,valueonly,unfold)`:
/// commits separated by NUL, each its short hash and then one trailer value a line.
pub(crate) fn parse_trailers(log: &str) -> Vec<Allowance> {
    let mut out = Vec::new();
    for commit in log.split('\0') {
        let mut lines = commit.lines().map(str::trim).filter(|l| !l.is_empty());
        let Some(hash) = lines.next() else { continue };
        for value in lines {
            out.extend(allowance(value, format!("commit {hash}")));
        }
    }
    out
}

/// The git trailer that acknowledges a removal.
pub(crate) const TRAILER: &str = "Archcheck-Allow";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_files_and_trailers_give_ids_and_reasons() {
        let a = parse_allowances(
            "allow.txt",
            "# reviewed in #12\n\nstaging/binding/worker->queue   queue retired\nprod/instances/web\n",
        );
        assert_eq!(
            a,
            [
                Allowance {
                    id: "staging/binding/worker->queue".into(),
                    source: "allow.txt:3".into(),
                    reason: Some("queue retired".into())
                },
                Allowance {
                    id: "prod/instances/web".into(),
                    source: "allow.txt:4".into(),
                    reason: None
                }
            ]
        );
        let t =
            parse_trailers("1a2b3c4\nstaging/app/worker gone\ndev/environment\n\0\n5d6e7f8\n\0");
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].id.as_str(), t[0].source.as_str()),
            ("staging/app/worker", "commit 1a2b3c4")
        );
        assert_eq!(t[0].reason.as_deref(), Some("gone"));
        assert_eq!(t[1].id, "dev/environment");
    }
}
