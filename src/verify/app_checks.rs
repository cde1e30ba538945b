//! Checks of each model app: it exists and is started, its instances run, its routes are
//! mapped.

use crate::model::{App, Environment, Model};
use crate::observe::{AppState, ObservedApp, ProcessCounts as Process};
use crate::verify::cause::{Detail, UnknownCause};
use crate::verify::check_builder::new_check;
use crate::verify::evidence::{APPS_NOT_COVERED, Lookup};
use crate::verify::index::Index;
use crate::verify::{Check, CheckKind, Element, Status, repair};

pub(crate) fn check_app(
    model: &Model,
    env: &Environment,
    idx: &Index,
    app: &App,
    out: &mut Vec<Check>,
) {
    let element = || Element::App { id: app.id.clone() };
    let name = &app.name;
    let exists = new_check(env, CheckKind::AppExists, &app.id, name, element())
        .expected(format!("{name} exists, requested state started"));
    let instances = new_check(env, CheckKind::AppInstances, &app.id, name, element()).expected(
        format!("{} of {} instances running", app.instances, app.instances),
    );
    let routes = (!app.routes.is_empty()).then(|| {
        new_check(env, CheckKind::AppRoutes, &app.id, name, element())
            .expected(app.routes.join(", "))
    });
    match idx.find_app(name) {
        Lookup::NotCovered => {
            out.push(exists.with(Status::NotChecked, APPS_NOT_COVERED));
            out.push(instances.with(Status::NotChecked, APPS_NOT_COVERED));
            if let Some(r) = routes {
                out.push(r.with(Status::NotChecked, APPS_NOT_COVERED));
            }
        }
        Lookup::Unknown(unseen) => {
            out.push(exists.could_not_see(&format!("whether {name} exists"), unseen.clone()));
            out.push(instances.could_not_see(name, unseen.clone()));
            if let Some(r) = routes {
                out.push(r.could_not_see(name, unseen));
            }
        }
        Lookup::Missing => {
            out.push(
                exists
                    .with(Status::Critical, format!("app {name} is missing"))
                    .observed("no app of that name in the space")
                    .fix(
                        Some(repair::app_down_impact(env, app)),
                        Some(repair::push(model, env, app)),
                    ),
            );
            let dep = "the app does not exist (see its app check)".to_owned();
            out.push(instances.with(Status::NotChecked, dep.clone()));
            if let Some(r) = routes {
                out.push(r.with(Status::NotChecked, dep));
            }
        }
        Lookup::Found(seen) => {
            let started = seen.state == Some(AppState::Started);
            out.push(check_state(env, app, seen, exists));
            if seen.state == Some(AppState::Stopped) {
                out.push(
                    instances.with(Status::NotChecked, "the app is stopped (see its app check)"),
                );
            } else {
                out.push(check_instances(model, env, app, seen, instances, started));
            }
            if let Some(r) = routes {
                out.push(check_routes(app, seen, r));
            }
        }
    }
}

fn check_state(env: &Environment, app: &App, seen: &ObservedApp, c: Check) -> Check {
    let name = &app.name;
    match seen.state {
        Some(AppState::Started) => c
            .observed("exists, started")
            .with(Status::Ok, format!("{name} is started")),
        Some(AppState::Stopped) => c
            .observed("exists, stopped")
            .with(Status::Critical, format!("app {name} is stopped"))
            .fix(
                Some(repair::app_down_impact(env, app)),
                Some(repair::start(app)),
            ),
        None => c.observed("exists, state not shown").unknown(
            UnknownCause::NotShown(Detail::AppState),
            format!("{name} exists, but the source does not show whether it is started"),
        ),
    }
}

fn check_instances(
    model: &Model,
    env: &Environment,
    app: &App,
    seen: &ObservedApp,
    c: Check,
    started: bool,
) -> Check {
    let name = &app.name;
    let Some(processes) = &seen.processes else {
        return c.unknown(
            UnknownCause::NotShown(Detail::Processes),
            format!("the source does not show the instances of {name} (e.g. `cf apps --no-stats`)"),
        );
    };
    let shown: Vec<String> = processes
        .iter()
        .map(|p| {
            let running = p.running.map_or("?".to_owned(), |r| r.to_string());
            format!("{}:{running}/{}", p.process_type, p.desired)
        })
        .collect();
    let c = c.observed(if shown.is_empty() {
        "no processes".to_owned()
    } else {
        shown.join(", ")
    });
    // The model's `instances` is the web process's count, as in a manifest.
    let web = processes
        .iter()
        .find(|p| p.process_type == "web")
        .or(processes.first());
    let Some(web) = web else {
        return c
            .with(Status::Critical, format!("{name} has no process running"))
            .fix(
                Some(repair::app_down_impact(env, app)),
                Some(repair::push(model, env, app)),
            );
    };
    let mut found = InstanceFindings::new(app);
    if processes.iter().any(|p| p.running.is_none()) {
        found.unknown(
            Detail::RunningInstances,
            format!("the source does not show how many instances of {name} run"),
        );
    }
    for p in processes {
        found.process(env, p, std::ptr::eq(p, web));
    }
    found.web_scale(web);
    if !started && found.worst == Status::Ok {
        // Counts without a known requested state prove nothing about a running app.
        found.unknown(
            Detail::RequestedState,
            format!("the requested state of {name} is not shown"),
        );
    }
    if found.findings.is_empty() {
        return c.with(
            Status::Ok,
            format!("{name} runs {} instances as desired", shown.join(", ")),
        );
    }
    found.decide(c)
}

/// What an app's process counts say, finding by finding, with the worst status so far.
struct InstanceFindings<'a> {
    app: &'a App,
    worst: Status,
    findings: Vec<String>,
    impact: Option<String>,
    repair: Option<String>,
    /// Why the worst is UNKNOWN, when it is.
    cause: Option<UnknownCause>,
}

impl<'a> InstanceFindings<'a> {
    fn new(app: &'a App) -> Self {
        InstanceFindings {
            app,
            worst: Status::Ok,
            findings: Vec::new(),
            impact: None,
            repair: None,
            cause: None,
        }
    }

    fn unknown(&mut self, detail: Detail, finding: String) {
        self.worst = Status::Unknown;
        self.cause = Some(UnknownCause::NotShown(detail));
        self.findings.push(finding);
    }

    /// One process: none of its wanted instances running, or fewer than desired.
    fn process(&mut self, env: &Environment, p: &Process, is_web: bool) {
        let (app, name) = (self.app, &self.app.name);
        let Some(running) = p.running else { return };
        let wanted = if is_web {
            p.desired.max(app.instances)
        } else {
            p.desired
        };
        if running == 0 && wanted > 0 {
            self.worst = Status::Critical;
            self.findings.push(format!(
                "{name} has 0 of {wanted} {} instances running",
                p.process_type
            ));
            self.impact = Some(repair::app_down_impact(env, app));
            self.repair = Some(if p.desired == 0 {
                repair::scale(app, wanted)
            } else {
                repair::restart(app)
            });
        } else if running < p.desired {
            self.worst = worse(self.worst, Status::Warning);
            self.findings.push(format!(
                "{name} has {running} of {} {} instances running",
                p.desired, p.process_type
            ));
            self.impact
                .get_or_insert_with(|| format!("{name} runs with less capacity than desired"));
            self.repair.get_or_insert_with(|| repair::restart(app));
        }
    }

    /// The web process scaled below the model's `instances`.
    fn web_scale(&mut self, web: &Process) {
        let (app, name) = (self.app, &self.app.name);
        if web.desired >= app.instances || web.running == Some(0) {
            return;
        }
        self.worst = worse(self.worst, Status::Warning);
        let noun = if web.desired == 1 {
            "instance"
        } else {
            "instances"
        };
        self.findings.push(format!(
            "{name} is scaled to {} {noun}; the model says {}",
            web.desired, app.instances
        ));
        self.impact
            .get_or_insert_with(|| format!("{name} runs with less capacity than the model"));
        self.repair = Some(repair::scale(app, app.instances));
    }

    fn decide(self, c: Check) -> Check {
        let message = self.findings.join("; ");
        match (self.worst, self.cause) {
            (Status::Unknown, Some(cause)) => c.unknown(cause, message),
            (worst, _) => c.with(worst, message).fix(self.impact, self.repair),
        }
    }
}

fn worse(a: Status, b: Status) -> Status {
    if b.severity() > a.severity() { b } else { a }
}

fn check_routes(app: &App, seen: &ObservedApp, c: Check) -> Check {
    let name = &app.name;
    let Some(routes) = &seen.routes else {
        return c.unknown(
            UnknownCause::NotShown(Detail::Routes),
            format!("the source does not show the routes of {name}"),
        );
    };
    let c = c.observed(if routes.is_empty() {
        "no routes".to_owned()
    } else {
        routes.join(", ")
    });
    let have = |r: &str| routes.iter().any(|o| o.eq_ignore_ascii_case(r));
    let missing: Vec<&String> = app.routes.iter().filter(|r| !have(r)).collect();
    if missing.is_empty() {
        return c.with(Status::Ok, format!("{name} has its routes"));
    }
    let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
    c.with(
        Status::Warning,
        format!("{name} lacks route {}", list.join(", ")),
    )
    .fix(
        Some(format!(
            "requests to {} do not reach {name}",
            list.join(", ")
        )),
        Some(
            missing
                .iter()
                .map(|r| repair::map_route(app, r))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    )
}
