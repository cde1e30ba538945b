//! Checks of each model app: it exists and is started, its instances run, its routes are
//! mapped.

use crate::model::{App, Environment, Model};
use crate::observe::{AppState, ObservedApp};
use crate::verify::check_builder::new_check;
use crate::verify::evidence::{APPS_NOT_COVERED, Lookup, could_not_see};
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
    let push_all = |out: &mut Vec<Check>, status: Status, exists_msg: String, dep: String| {
        out.push(exists.clone().with(status, exists_msg));
        out.push(instances.clone().with(status, dep.clone()));
        if let Some(r) = &routes {
            out.push(r.clone().with(status, dep));
        }
    };
    match idx.find_app(name) {
        Lookup::NotCovered => push_all(
            out,
            Status::NotChecked,
            APPS_NOT_COVERED.to_owned(),
            APPS_NOT_COVERED.to_owned(),
        ),
        Lookup::Unknown(reason) => push_all(
            out,
            Status::Unknown,
            could_not_see(&format!("whether {name} exists"), &reason),
            could_not_see(name, &reason),
        ),
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
        None => c.observed("exists, state not shown").with(
            Status::Unknown,
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
        return c.with(
            Status::Unknown,
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
    let mut worst = Status::Ok;
    let mut findings = Vec::new();
    let mut repair_cmd = None;
    let mut impact = None;
    if processes.iter().any(|p| p.running.is_none()) {
        worst = Status::Unknown;
        findings.push(format!(
            "the source does not show how many instances of {name} run"
        ));
    }
    for p in processes {
        let Some(running) = p.running else { continue };
        let is_web = std::ptr::eq(p, web);
        let wanted = if is_web {
            p.desired.max(app.instances)
        } else {
            p.desired
        };
        if running == 0 && wanted > 0 {
            worst = Status::Critical;
            findings.push(format!(
                "{name} has 0 of {wanted} {} instances running",
                p.process_type
            ));
            impact = Some(repair::app_down_impact(env, app));
            repair_cmd = Some(if p.desired == 0 {
                repair::scale(app, wanted)
            } else {
                repair::restart(app)
            });
        } else if running < p.desired {
            worst = worse(worst, Status::Warning);
            findings.push(format!(
                "{name} has {running} of {} {} instances running",
                p.desired, p.process_type
            ));
            impact.get_or_insert_with(|| format!("{name} runs with less capacity than desired"));
            repair_cmd.get_or_insert_with(|| repair::restart(app));
        }
    }
    if web.desired < app.instances && web.running != Some(0) {
        worst = worse(worst, Status::Warning);
        let noun = if web.desired == 1 {
            "instance"
        } else {
            "instances"
        };
        findings.push(format!(
            "{name} is scaled to {} {noun}; the model says {}",
            web.desired, app.instances
        ));
        impact.get_or_insert_with(|| format!("{name} runs with less capacity than the model"));
        repair_cmd = Some(repair::scale(app, app.instances));
    }
    if !started && worst == Status::Ok {
        // Counts without a known requested state prove nothing about a running app.
        worst = Status::Unknown;
        findings.push(format!("the requested state of {name} is not shown"));
    }
    if findings.is_empty() {
        return c.with(
            Status::Ok,
            format!("{name} runs {} instances as desired", shown.join(", ")),
        );
    }
    c.with(worst, findings.join("; ")).fix(impact, repair_cmd)
}

fn worse(a: Status, b: Status) -> Status {
    if b.severity() > a.severity() { b } else { a }
}

fn check_routes(app: &App, seen: &ObservedApp, c: Check) -> Check {
    let name = &app.name;
    let Some(routes) = &seen.routes else {
        return c.with(
            Status::Unknown,
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
