//! Checks of each model app: it exists and is started, its instances run, its routes are
//! mapped.

use crate::model::{App, Environment, Model};
use crate::observe::{
    AppState, DeploymentSeen, DeploymentState, DeploymentView, ObservedApp,
    ProcessCounts as Process,
};
use crate::time_format;
use crate::verify::cause::{Detail, UnknownCause, Unseen};
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
    let Some(listed) = &seen.processes else {
        return c.unknown(
            UnknownCause::NotShown(Detail::Processes),
            format!("the source does not show the instances of {name} (e.g. `cf apps --no-stats`)"),
        );
    };
    let shown: Vec<String> = listed.iter().map(process_text).collect();
    let c = c.observed(if shown.is_empty() {
        "no processes".to_owned()
    } else {
        shown.join(", ")
    });
    // During a deployment the Cloud Controller runs a clone of the web process beside the old
    // one: processes of one type count together.
    let processes = together(listed);
    let repeated = processes.len() < listed.len();
    match &seen.deployment {
        DeploymentView::Seen(d) if d.state.active() => {
            return deploying(app, d, &processes, c);
        }
        DeploymentView::NotShown if repeated => return deploying_unseen(app, &processes, c),
        _ => {}
    }
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
    for p in &processes {
        let starting = seen.starting.get(&p.process_type).copied().unwrap_or(0);
        found.process(env, p, std::ptr::eq(p, web), starting);
    }
    found.web_scale(web);
    if !started && found.worst == Status::Ok {
        // Counts without a known requested state prove nothing about a running app.
        found.unknown(
            Detail::RequestedState,
            format!("the requested state of {name} is not shown"),
        );
    }
    match &seen.deployment {
        // Two processes of one type and no word on a deployment: a shortfall may be one in
        // flight, so it is neither a failure nor a reason to restart. Counts that look right
        // prove nothing either while the deployment's state is not known (one not
        // understood may have failed or been rolled back, as a canceled one is a WARNING).
        DeploymentView::Unreadable { reason } if repeated || found.worst == Status::Ok => {
            found.findings.push(if repeated {
                format!(
                    "{name} lists {} twice, as during a deployment, and whether one is in flight could not be read",
                    repeated_types(listed).join(", ")
                )
            } else {
                format!("how the last deployment of {name} went could not be read")
            });
            let message = found.findings.join("; ");
            return c.unknown(
                UnknownCause::Unseen(Unseen::SourceFailed {
                    reason: reason.clone(),
                }),
                message,
            );
        }
        DeploymentView::Seen(d) if d.state == DeploymentState::Canceled => found.canceled(d),
        _ => {}
    }
    if found.findings.is_empty() {
        return c.with(
            Status::Ok,
            format!("{name} runs {} instances as desired", shown.join(", ")),
        );
    }
    found.decide(c)
}

/// `web:1/2`, `web:?/2`.
fn process_text(p: &Process) -> String {
    let running = p.running.map_or("?".to_owned(), |r| r.to_string());
    format!("{}:{running}/{}", p.process_type, p.desired)
}

/// The processes with those of one type counted together, in the order first listed.
fn together(listed: &[Process]) -> Vec<Process> {
    let mut out: Vec<Process> = Vec::new();
    for p in listed {
        match out.iter_mut().find(|o| o.process_type == p.process_type) {
            Some(o) => {
                o.desired += p.desired;
                o.running = o.running.zip(p.running).map(|(a, b)| a + b);
            }
            None => out.push(p.clone()),
        }
    }
    out
}

/// The process types listed more than once.
fn repeated_types(listed: &[Process]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for (i, p) in listed.iter().enumerate() {
        if listed[..i].iter().any(|q| q.process_type == p.process_type)
            && !out.contains(&p.process_type.as_str())
        {
            out.push(&p.process_type);
        }
    }
    out
}

/// A deployment in flight: the instance check is pending, a WARNING that says how far it
/// got, never CRITICAL and never a restart (which would interrupt it).
fn deploying(app: &App, d: &DeploymentSeen, processes: &[Process], c: Check) -> Check {
    let name = &app.name;
    let mut how = vec![d.strategy.clone()];
    if let Some(age) = d.age_secs {
        how.push(format!("started {} ago", time_format::age(age)));
    }
    let how = how.join(", ");
    // What it scales to: its `web_instances`, else the old web instances not yet replaced
    // (each new instance that runs replaces an old one) with the new ones that run.
    let web_desired = processes
        .iter()
        .find(|p| p.process_type == "web")
        .map(|p| p.desired);
    let target = d
        .web_instances
        .unwrap_or_else(|| match (web_desired, d.new_instances) {
            (Some(all), Some((running, desired))) => all.saturating_sub(desired) + running,
            _ => app.instances,
        });
    let progress = match (d.state, d.new_instances) {
        (DeploymentState::Paused, Some((running, desired))) => format!(
            "{running} of {desired} canary {} running",
            noun(desired, "instance", "instances")
        ),
        (_, Some((running, _))) => format!(
            "{running} of {target} new web {} running",
            noun(target, "instance", "instances")
        ),
        (_, None) => format!(
            "{} (the new instances not told apart)",
            web_total(processes, target)
        ),
    };
    let mut message = match d.state {
        DeploymentState::Paused => format!(
            "canary paused: {progress}; the deployment waits for `cf continue-deployment {name}` ({how})"
        ),
        DeploymentState::Canceling => {
            format!(
                "deployment being canceled, back to the instances before it: {progress} ({how})"
            )
        }
        _ => format!("deploying: {progress} ({how})"),
    };
    if let Some(e) = &d.error {
        message.push_str(&format!("; the Cloud Controller reports: {e}"));
    }
    c.with(Status::Warning, message)
        .pending(format!("the deployment of {name} ({})", d.state.as_str()))
}

/// A process type listed twice by a source that shows no deployments (`cf apps` during a
/// deployment prints `web:2/2, web:0/1`): pending, counted together.
fn deploying_unseen(app: &App, processes: &[Process], c: Check) -> Check {
    let name = &app.name;
    c.with(
        Status::Warning,
        format!(
            "deploying: {name} lists web twice, the old and the new instances, {} (the new ones not told apart)",
            web_total(processes, app.instances)
        ),
    )
    .pending(format!("a deployment of {name} in flight"))
}

/// `2 of 3 web instances running` for the web processes counted together.
fn web_total(processes: &[Process], fallback: u32) -> String {
    match processes.iter().find(|p| p.process_type == "web") {
        Some(web) => format!(
            "{} of {} web {} running",
            web.running.map_or("?".to_owned(), |r| r.to_string()),
            web.desired,
            noun(web.desired, "instance", "instances")
        ),
        None => format!("web instances (of {fallback}) not shown"),
    }
}

fn noun<'a>(n: u32, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
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
    /// Instances starting that may make a shortfall up: what the check waits for.
    pending: Vec<String>,
    /// A finding that nothing in progress explains.
    settled: bool,
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
            pending: Vec::new(),
            settled: false,
        }
    }

    fn unknown(&mut self, detail: Detail, finding: String) {
        self.settled = true;
        self.worst = Status::Unknown;
        self.cause = Some(UnknownCause::NotShown(detail));
        self.findings.push(finding);
    }

    /// One process: none of its wanted instances running, or fewer than desired; pending
    /// when `starting` instances of its type may make that up (just after a start or push).
    fn process(&mut self, env: &Environment, p: &Process, is_web: bool, starting: u32) {
        let (app, name) = (self.app, &self.app.name);
        let Some(running) = p.running else { return };
        let wanted = if is_web {
            p.desired.max(app.instances)
        } else {
            p.desired
        };
        let short = (running == 0 && wanted > 0) || running < p.desired;
        if short && starting > 0 {
            self.worst = worse(self.worst, Status::Warning);
            self.findings.push(format!(
                "starting: {name} has {running} of {} {} instances running, {starting} starting",
                p.desired.max(running + starting),
                p.process_type
            ));
            self.pending.push(format!(
                "{starting} {} {} of {name} starting",
                p.process_type,
                if starting == 1 {
                    "instance"
                } else {
                    "instances"
                }
            ));
            return;
        }
        if short {
            self.settled = true;
        }
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

    /// The app's last deployment was canceled: it runs what it ran before that push.
    fn canceled(&mut self, d: &DeploymentSeen) {
        self.settled = true;
        let name = &self.app.name;
        self.worst = worse(self.worst, Status::Warning);
        let when = d
            .age_secs
            .map(|a| format!(", started {} ago", time_format::age(a)))
            .unwrap_or_default();
        self.findings.push(format!(
            "the last deployment of {name} ({}{when}) was canceled: {name} runs what it ran before it",
            d.strategy
        ));
        self.impact
            .get_or_insert_with(|| format!("what was last pushed to {name} is not running"));
    }

    /// The web process scaled below the model's `instances`.
    fn web_scale(&mut self, web: &Process) {
        let (app, name) = (self.app, &self.app.name);
        if web.desired >= app.instances || web.running == Some(0) {
            return;
        }
        self.settled = true;
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
        let c = match (self.worst, self.cause) {
            (Status::Unknown, Some(cause)) => c.unknown(cause, message),
            (worst, _) => c.with(worst, message).fix(self.impact, self.repair),
        };
        if self.pending.is_empty() || self.settled {
            c
        } else {
            c.pending(self.pending.join("; "))
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
