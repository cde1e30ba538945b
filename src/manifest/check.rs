//! A normalized manifest compared with the model for one environment, as verdict checks:
//! apps (missing CRITICAL, extra WARNING), bindings (missing CRITICAL, or WARNING for a
//! non-critical binding; extra WARNING), and settings (instances, memory, disk, routes or
//! `no-route`, health check, command, buildpacks, stack, unknown attributes: WARNING; but
//! `instances: 0` for an app the model runs is CRITICAL, an outage).
//! Every expectation that holds is an OK check, so a clean manifest is OK with evidence.

use super::read::{Manifest, ManifestApp, RouteMatch, ServiceRef};
use crate::model::units;
use crate::model::{App, Binding, Environment, HealthCheck, Model, Service};
use crate::verify::check_builder::new_check;
use crate::verify::{Check, CheckKind, Element, EnvironmentVerdict, Status, Verdict};

/// The verdict of `manifest` against `env` of `model`.
pub fn verdict(model: &Model, env: &Environment, manifest: &Manifest) -> Verdict {
    let checks = checks(env, manifest);
    let status = Status::worst(checks.iter().map(|c| c.status));
    Verdict {
        system: model.system.clone(),
        status,
        environments: vec![EnvironmentVerdict {
            name: env.name.clone(),
            status,
            sources: vec![format!("manifest {}", manifest.file)],
        }],
        checks,
    }
}

/// The checks of `manifest` against `env`, model apps first (in model order), then apps the
/// model lacks (in file order).
pub(crate) fn checks(env: &Environment, manifest: &Manifest) -> Vec<Check> {
    let mut out = Vec::new();
    let file = manifest.file.as_str();
    for app in &env.apps {
        let b = Builder { env, file, app };
        match manifest.app(&app.name) {
            None => out.push(b.missing_app()),
            Some(m) => {
                out.push(
                    b.check(
                        CheckKind::ManifestApp,
                        app.id.clone(),
                        app.name.clone(),
                        "listed",
                        "listed",
                    )
                    .with(Status::Ok, format!("{} is in {file}", app.name)),
                );
                b.bindings(m, &mut out);
                b.settings(m, &mut out);
            }
        }
    }
    for m in &manifest.apps {
        if env.app_by_name(&m.name).is_none() {
            let element = Element::ExtraApp {
                name: m.name.clone(),
            };
            let mut c = new_check(env, CheckKind::ManifestApp, &m.name, &m.name, element)
                .with(
                    Status::Warning,
                    format!(
                        "{file} deploys {}, which the model of environment {} does not have",
                        m.name, env.name
                    ),
                )
                .expected("not in the model")
                .observed(format!("listed at line {}", m.line));
            c.impact = Some(format!(
                "cf push with {file} creates or updates {}, outside the model",
                m.name
            ));
            c.repair = Some(format!(
                "remove {} from {file}, or add it to the model",
                m.name
            ));
            out.push(c);
        }
    }
    out
}

/// One setting of an app compared: what the model says, what the manifest has, and what to
/// say and do when they differ.
struct Setting {
    /// The setting's name in the check's id, e.g. `instances`.
    name: &'static str,
    /// Whether the manifest's value is the model's.
    ok: bool,
    expected: String,
    observed: String,
    /// The message when they differ.
    problem: String,
    repair: String,
    impact: Option<String>,
}

struct Builder<'a> {
    env: &'a Environment,
    file: &'a str,
    app: &'a App,
}

impl Builder<'_> {
    /// A check of `kind` about the app (`id_tail` after the kind in its id) that compares what
    /// the model expects with what the manifest has; not yet decided.
    fn check(
        &self,
        kind: CheckKind,
        id_tail: String,
        subject: String,
        expected: impl Into<String>,
        observed: impl Into<String>,
    ) -> Check {
        let element = Element::App {
            id: self.app.id.clone(),
        };
        new_check(self.env, kind, &id_tail, subject, element)
            .expected(expected)
            .observed(observed)
    }

    fn missing_app(&self) -> Check {
        let app = self.app;
        let mut c = self
            .check(
                CheckKind::ManifestApp,
                app.id.clone(),
                app.name.clone(),
                "listed",
                "absent",
            )
            .with(
                Status::Critical,
                format!("{} is missing from {}", app.name, self.file),
            );
        c.impact = Some(format!(
            "cf push with {} does not deploy {}{}, nor declare its {} binding{}",
            self.file,
            app.name,
            app.description
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            app.bindings.len(),
            if app.bindings.len() == 1 { "" } else { "s" }
        ));
        c.repair = Some(format!(
            "add application `{}` to {} (`archcheck manifest` prints it from the model)",
            app.name, self.file
        ));
        c
    }

    fn bindings(&self, m: &ManifestApp, out: &mut Vec<Check>) {
        let app = self.app;
        for b in &app.bindings {
            let Some(svc) = self.env.service(&b.service) else {
                continue;
            };
            let mut c = self.model_binding(m, b, svc);
            c.element = Element::Binding {
                app: app.id.clone(),
                service: svc.id.clone(),
            };
            out.push(c);
        }
        for s in &m.services {
            let bound_in_model = app
                .bindings
                .iter()
                .filter_map(|b| self.env.service(&b.service))
                .any(|svc| crate::cf_name::same(&svc.name, &s.name));
            if !bound_in_model {
                out.push(self.extra_binding(m, s));
            }
        }
    }

    /// A binding of the model: in the app's own `services:`, or missing from it.
    fn model_binding(&self, m: &ManifestApp, b: &Binding, svc: &Service) -> Check {
        let app = self.app;
        let subject = format!("{} -> {}", app.name, svc.name);
        let id = format!("{}->{}", app.id, svc.id);
        let listed = m.services.iter().find(|s| s.name == svc.name);
        if listed.is_some_and(|s| !s.inherited) {
            self.check(CheckKind::ManifestBinding, id, subject, "bound", "bound")
                .with(
                    Status::Ok,
                    format!("{} binds {} in {}", app.name, svc.name, self.file),
                )
        } else {
            let status = if b.critical {
                Status::Critical
            } else {
                Status::Warning
            };
            let kind = svc.kind.as_str();
            let (observed, message) = if listed.is_some() {
                (
                    "only in the top-level services:",
                    format!(
                        "{} binds {} ({kind}) only through the top-level `services:` of {}, which cf CLI v7 and later do not apply to applications (v6 did)",
                        app.name, svc.name, self.file
                    ),
                )
            } else {
                (
                    "not in services:",
                    format!(
                        "{} does not bind {} ({kind}) in {}",
                        app.name, svc.name, self.file
                    ),
                )
            };
            let mut c = self
                .check(CheckKind::ManifestBinding, id, subject, "bound", observed)
                .with(status, message);
            c.impact = Some(format!(
                "after cf push with {}, {}",
                self.file,
                self.env.binding_impact(app, b)
            ));
            c.repair = Some(format!(
                "add `{}` to services: of {} in {}",
                svc.name, app.name, self.file
            ));
            c
        }
    }

    /// A binding in the app's `services:` that the model lacks.
    fn extra_binding(&self, m: &ManifestApp, s: &ServiceRef) -> Check {
        let app = self.app;
        // Shown as written: a name from a variable is shown as `((name))`, in the id too.
        let shown = m.show(&s.name);
        let tail = self
            .env
            .service_by_name(&s.name)
            .map(|svc| svc.id.clone())
            .unwrap_or_else(|| shown.clone());
        let known = if self.env.service_by_name(&s.name).is_some() {
            "the model does not bind it to this app"
        } else {
            "the model has no such service instance"
        };
        let mut c = self
            .check(
                CheckKind::ManifestBinding,
                format!("{}->{}", app.id, tail),
                format!("{} -> {shown}", app.name),
                "not bound",
                "in services:",
            )
            .with(
                Status::Warning,
                format!("{} binds {shown} in {}, but {known}", app.name, self.file),
            );
        c.impact = Some(format!(
            "cf push with {} binds {shown} to {}, outside the model (cf push fails if the instance does not exist)",
            self.file, app.name
        ));
        c.repair = Some(format!(
            "remove `{shown}` from services: of {} in {}, or add the binding to the model",
            app.name, self.file
        ));
        c.element = Element::ExtraBinding {
            app: app.name.clone(),
            service: shown,
        };
        c
    }

    /// A setting check: OK when `ok`, else WARNING with a repair.
    fn setting(&self, out: &mut Vec<Check>, setting: Setting) {
        let Setting {
            name: setting,
            ok,
            expected,
            observed,
            problem,
            repair,
            impact,
        } = setting;
        let app = self.app;
        let status = if ok { Status::Ok } else { Status::Warning };
        let message = if ok {
            format!("{setting} of {} in {} is {expected}", app.name, self.file)
        } else {
            problem
        };
        let mut c = self
            .check(
                CheckKind::ManifestSetting,
                format!("{}/{setting}", app.id),
                format!("{} {setting}", app.name),
                expected,
                observed,
            )
            .with(status, message);
        if !ok {
            c.repair = Some(repair);
            c.impact = impact;
        }
        out.push(c);
    }

    /// A setting written `key: text` that the manifest must have as the model says:
    /// `observed` is the manifest's, as shown.
    fn text_setting(
        &self,
        out: &mut Vec<Check>,
        key: &'static str,
        want: &str,
        got: Option<&str>,
        observed: String,
        problem: String,
    ) {
        let setting = Setting {
            name: key,
            ok: got == Some(want),
            expected: want.to_owned(),
            observed,
            problem,
            repair: format!("set `{key}: {want}` for {} in {}", self.app.name, self.file),
            impact: None,
        };
        self.setting(out, setting);
    }

    fn settings(&self, m: &ManifestApp, out: &mut Vec<Check>) {
        self.instances(m, out);
        self.sizes(m, out);
        self.routes(m, out);
        self.health_check(m, out);
        self.start_settings(m, out);
        self.unknown_attributes(m, out);
    }

    fn instances(&self, m: &ManifestApp, out: &mut Vec<Check>) {
        let app = self.app;
        let file = self.file;
        let name = &app.name;

        // Instances: cf push creates 1 when the manifest says nothing.
        let given = m.instances;
        let effective = given.unwrap_or(1);
        let observed = given.map_or_else(|| "not set (1)".to_owned(), |n| m.show(&n.to_string()));
        let problem = format!(
            "{name} has {} in {file}, the model says {}",
            given.map_or_else(
                || "no `instances` (cf push creates 1)".to_owned(),
                |n| format!("instances: {}", m.show(&n.to_string()))
            ),
            app.instances
        );
        let impact = (effective < app.instances).then(|| {
            format!(
                "{name} runs {effective} instance{} instead of {}: less capacity and no redundancy",
                if effective == 1 { "" } else { "s" },
                app.instances
            )
        });
        self.setting(
            out,
            Setting {
                name: "instances",
                ok: effective == app.instances,
                expected: app.instances.to_string(),
                observed,
                problem,
                repair: format!("set `instances: {}` for {name} in {file}", app.instances),
                impact,
            },
        );
        // No instance at all is an outage, as `verify` rates 0 running.
        if effective == 0
            && app.instances > 0
            && let Some(c) = out.last_mut()
        {
            c.status = Status::Critical;
            c.impact = Some(format!(
                "cf push with {file} runs no instance of {name}: it is down"
            ));
        }
    }

    /// Memory and disk, each where the model sets it.
    fn sizes(&self, m: &ManifestApp, out: &mut Vec<Check>) {
        let app = self.app;
        let file = self.file;
        let name = &app.name;
        for (setting, key, want_text, want_mb, got) in [
            ("memory", "memory", &app.memory, app.memory_mb, &m.memory),
            (
                "disk",
                "disk_quota",
                &app.disk_quota,
                app.disk_quota_mb,
                &m.disk_quota,
            ),
        ] {
            let (Some(want_text), Some(want_mb)) = (want_text, want_mb) else {
                continue;
            };
            let observed = got.as_ref().map_or_else(
                || "not set (platform default)".to_owned(),
                |g| m.show(&size_text(&g.text, g.mb)),
            );
            let problem = match got {
                Some(g) => format!(
                    "{name} has {key}: {} in {file}, the model says {}",
                    m.show(&size_text(&g.text, g.mb)),
                    size_text(want_text, want_mb)
                ),
                None => format!(
                    "{name} has no `{key}` in {file} (cf push uses the platform default), the model says {want_text}"
                ),
            };
            self.setting(
                out,
                Setting {
                    name: setting,
                    ok: got.as_ref().is_some_and(|g| g.mb == want_mb),
                    expected: units::format_megabytes(want_mb),
                    observed,
                    problem,
                    repair: format!("set `{key}: {want_text}` for {name} in {file}"),
                    impact: None,
                },
            );
        }
    }

    fn health_check(&self, m: &ManifestApp, out: &mut Vec<Check>) {
        let app = self.app;
        let file = self.file;
        let name = &app.name;
        // Health check: CF's default is port; `none` was read as process.
        let got = m.health_check.unwrap_or(HealthCheck::Port);
        let mut ok = got == app.health_check;
        let mut observed = m
            .health_check
            .map_or_else(|| "not set (port)".to_owned(), |h| h.as_str().to_owned());
        if ok
            && app.health_check == HealthCheck::Http
            && let Some(want) = &app.health_check_endpoint
        {
            ok = m.health_check_endpoint.as_deref() == Some(want.as_str());
            observed = format!(
                "http {}",
                m.health_check_endpoint
                    .as_deref()
                    .map_or_else(|| "(no endpoint: /)".to_owned(), |e| m.show(e))
            );
        }
        let expected = match (&app.health_check, &app.health_check_endpoint) {
            (HealthCheck::Http, Some(e)) => format!("http {e}"),
            (h, _) => h.as_str().to_owned(),
        };
        let mut repair = format!(
            "set `health-check-type: {}` for {name} in {file}",
            app.health_check.as_str()
        );
        if let (HealthCheck::Http, Some(e)) = (&app.health_check, &app.health_check_endpoint) {
            repair.push_str(&format!(" and `health-check-http-endpoint: {e}`"));
        }
        let problem = match m.health_check {
            None => format!(
                "{name} has no `health-check-type` in {file} (CF's default is port), the model says {expected}"
            ),
            Some(_) => {
                format!("{name} has health check {observed} in {file}, the model says {expected}")
            }
        };
        let crash_loops = got == HealthCheck::Port && app.health_check == HealthCheck::Process;
        let impact = crash_loops.then(|| {
            format!(
                "CF restarts {name} instances that do not listen on a port: a worker crash-loops"
            )
        });
        self.setting(
            out,
            Setting {
                name: "health-check",
                ok,
                expected,
                observed,
                problem,
                repair,
                impact,
            },
        );
    }

    /// Start command, buildpacks and stack, each where the model sets it.
    fn start_settings(&self, m: &ManifestApp, out: &mut Vec<Check>) {
        let app = self.app;
        let file = self.file;
        let name = &app.name;
        if let Some(want) = &app.command {
            let got = m.command.as_deref();
            self.text_setting(
                out,
                "command",
                want,
                got,
                got.map_or_else(|| "not set (buildpack's)".to_owned(), |c| m.show(c)),
                format!("{name} has a different start command in {file} than the model"),
            );
        }
        if !app.buildpacks.is_empty() {
            let want = app.buildpacks.join(", ");
            self.setting(
                out,
                Setting {
                    name: "buildpacks",
                    ok: m.buildpacks.as_ref() == Some(&app.buildpacks),
                    expected: want.clone(),
                    observed: m.buildpacks.as_ref().map_or_else(
                        || "not set (detected)".to_owned(),
                        |b| b.iter().map(|b| m.show(b)).collect::<Vec<_>>().join(", "),
                    ),
                    problem: format!(
                        "{name} has different buildpacks in {file} than the model ({want})"
                    ),
                    repair: format!("set `buildpacks: [{want}]` for {name} in {file}"),
                    impact: None,
                },
            );
        }
        if let Some(want) = &app.stack {
            let got = m.stack.as_deref();
            self.text_setting(
                out,
                "stack",
                want,
                got,
                got.map_or_else(|| "not set (default)".to_owned(), |s| m.show(s)),
                format!("{name} has a different stack in {file} than the model ({want})"),
            );
        }
    }

    /// Attributes cf push does not know, with a did-you-mean.
    fn unknown_attributes(&self, m: &ManifestApp, out: &mut Vec<Check>) {
        let app = self.app;
        let file = self.file;
        let name = &app.name;
        for attr in &m.unknown_attributes {
            let hint = suggest(attr)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            let mut c = self
                .check(
                    CheckKind::ManifestSetting,
                    format!("{}/attribute/{attr}", app.id),
                    format!("{name} {attr}"),
                    "a manifest attribute",
                    format!("`{attr}`"),
                )
                .with(
                    Status::Warning,
                    format!("{name} has the unknown attribute `{attr}` in {file}{hint}"),
                );
            c.impact = Some(format!(
                "cf push ignores or refuses `{attr}`: whatever it was meant to set is not set"
            ));
            c.repair = Some(format!("fix or remove `{attr}` of {name} in {file}{hint}"));
            out.push(c);
        }
    }

    fn routes(&self, m: &ManifestApp, out: &mut Vec<Check>) {
        let app = self.app;
        let file = self.file;
        let name = &app.name;
        let observed = if m.no_route {
            "no-route: true".to_owned()
        } else if m.routes.is_empty() {
            "no routes".to_owned()
        } else {
            m.routes
                .iter()
                .map(|r| m.show(&r.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if app.routes.is_empty() {
            // The model wants no route: only `no-route: true` keeps cf push from mapping one.
            let ok = m.routes.is_empty();
            self.setting(
                out,
                Setting {
                    name: "no-route",
                    ok,
                    expected: "no-route: true".to_owned(),
                    observed: observed.clone(),
                    problem: if m.no_route {
                        String::new()
                    } else {
                        format!("{name} has no `no-route: true` in {file}: cf push maps {observed}")
                    },
                    repair: format!(
                        "set `no-route: true` for {name} in {file} (and drop its route attributes)"
                    ),
                    impact: Some(format!(
                        "{name} becomes reachable from outside at a route the model does not have"
                    )),
                },
            );
            return;
        }
        let best = |model_route: &str| {
            m.routes
                .iter()
                .map(|mr| mr.matches(model_route))
                .min_by_key(|x| match x {
                    RouteMatch::Yes => 0,
                    RouteMatch::HostOnly => 1,
                    RouteMatch::No => 2,
                })
                .unwrap_or(RouteMatch::No)
        };
        let missing: Vec<&String> = app
            .routes
            .iter()
            .filter(|r| best(r) == RouteMatch::No)
            .collect();
        let unsure: Vec<&String> = app
            .routes
            .iter()
            .filter(|r| best(r) == RouteMatch::HostOnly)
            .collect();
        let extra: Vec<String> = m
            .routes
            .iter()
            .filter(|mr| app.routes.iter().all(|r| mr.matches(r) == RouteMatch::No))
            .map(|r| m.show(&r.to_string()))
            .collect();
        let ok = missing.is_empty() && extra.is_empty() && unsure.is_empty();
        let mut problem = Vec::new();
        if m.no_route {
            problem.push(format!("{name} has `no-route: true` in {file}"));
        } else {
            if !missing.is_empty() {
                problem.push(format!(
                    "{name} lacks route{} {} in {file}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !unsure.is_empty() {
                problem.push(format!(
                    "{name} maps {} on the org's default domain in {file}, which may not be {}: name the domain",
                    unsure
                        .iter()
                        .filter_map(|r| r.split_once('.').map(|(h, _)| format!("{h}.<default domain>")))
                        .collect::<Vec<_>>()
                        .join(", "),
                    unsure.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
            if !extra.is_empty() {
                problem.push(format!(
                    "{name} has route{} {} in {file} that the model lacks",
                    if extra.len() == 1 { "" } else { "s" },
                    extra.join(", ")
                ));
            }
        }
        self.setting(
            out,
            Setting {
                name: "routes",
                ok,
                expected: app.routes.join(", "),
                observed,
                problem: problem.join("; "),
                repair: format!(
                    "list under routes: of {name} in {file}: {}",
                    app.routes
                        .iter()
                        .map(|r| format!("`- route: {r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                impact: (!missing.is_empty()).then(|| {
                    format!(
                        "users of {} cannot reach {name} after cf push",
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            },
        );
    }
}

/// A size as written, with its value in CF's canonical unit when that reads differently
/// (`1024MB (1G)`).
fn size_text(text: &str, mb: u64) -> String {
    let canonical = units::format_megabytes(mb);
    if text.trim().eq_ignore_ascii_case(&canonical) {
        canonical
    } else {
        format!("{} ({canonical})", text.trim())
    }
}

/// The closest known attribute to a misspelled one.
fn suggest(attr: &str) -> Option<&'static str> {
    const ATTRS: &[&str] = &[
        "name",
        "instances",
        "memory",
        "disk_quota",
        "routes",
        "no-route",
        "health-check-type",
        "health-check-http-endpoint",
        "command",
        "buildpacks",
        "stack",
        "services",
        "processes",
        "env",
        "host",
        "hosts",
        "domain",
        "domains",
        "path",
        "timeout",
    ];
    ATTRS
        .iter()
        .map(|a| (strsim::damerau_levenshtein(attr, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 3))
        .min()
        .map(|(_, a)| a)
}
