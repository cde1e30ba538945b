//! The verification engine on hand-made observations (no parser needed), and the `verify`
//! command's usage errors.

use crate::harness::{self, archcheck, model};
use archcheck::model::Model;
use archcheck::observe::{
    AppEnvSeen, AppState, AppsSeen, Coverage, LastOperation, Observation, ObservedApp,
    ObservedService, OperationState, ProcessCounts, ServicesSeen,
};
use archcheck::verify::{Check, Status, Verdict, verify};

pub fn c2() -> Model {
    archcheck::model::load(&model("c2.json")).expect("models/c2.json loads")
}

/// What a healthy environment shows: every instance with its bound apps and a succeeded
/// create, every app started with its instances running and its routes mapped.
pub fn healthy(model: &Model, env: &str) -> Observation {
    let e = model.environment(env).expect("environment exists");
    let instances = e
        .services
        .iter()
        .map(|s| ObservedService {
            name: s.name.clone(),
            offering: s.offering.clone(),
            plan: s.plan.clone(),
            broker: None,
            user_provided: s.user_provided,
            bound_apps: e
                .bindings()
                .filter(|(_, _, svc)| svc.id == s.id)
                .map(|(a, _, _)| a.name.clone())
                .collect(),
            last_operation: (!s.user_provided).then(|| LastOperation {
                kind: "create".into(),
                state: OperationState::Succeeded,
            }),
            ..Default::default()
        })
        .collect();
    let apps = e
        .apps
        .iter()
        .map(|a| ObservedApp {
            name: a.name.clone(),
            state: Some(AppState::Started),
            processes: Some(vec![ProcessCounts {
                process_type: "web".into(),
                running: Some(a.instances),
                desired: a.instances,
            }]),
            routes: Some(a.routes.clone()),
            ..Default::default()
        })
        .collect();
    Observation {
        environment: env.into(),
        sources: vec!["hand-made".into()],
        services: Coverage::Seen(ServicesSeen {
            instances,
            bindings_hidden: None,
            gaps: vec![],
        }),
        apps: Coverage::Seen(AppsSeen { apps, gaps: vec![] }),
        app_envs: vec![],
        guids: None,
    }
}

pub fn services_mut(o: &mut Observation) -> &mut ServicesSeen {
    match &mut o.services {
        Coverage::Seen(s) => s,
        _ => panic!("services seen"),
    }
}

pub fn apps_mut(o: &mut Observation) -> &mut AppsSeen {
    match &mut o.apps {
        Coverage::Seen(s) => s,
        _ => panic!("apps seen"),
    }
}

pub fn instance<'a>(o: &'a mut Observation, name: &str) -> &'a mut ObservedService {
    services_mut(o)
        .instances
        .iter_mut()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("instance {name}"))
}

pub fn app<'a>(o: &'a mut Observation, name: &str) -> &'a mut ObservedApp {
    apps_mut(o)
        .apps
        .iter_mut()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("app {name}"))
}

/// Staging as in the incident after the half-repair: the database bindings are back, the
/// worker's and the web app's queue bindings are gone.
pub fn incident(model: &Model) -> Observation {
    let mut o = healthy(model, "staging");
    instance(&mut o, "c2-staging-redis").bound_apps.clear();
    o
}

pub fn check<'a>(v: &'a Verdict, id: &str) -> &'a Check {
    v.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}; ids: {:#?}", ids(v)))
}

pub fn ids(v: &Verdict) -> Vec<&str> {
    v.checks.iter().map(|c| c.id.as_str()).collect()
}

fn failing(v: &Verdict) -> Vec<(&str, Status)> {
    v.checks
        .iter()
        .filter(|c| !matches!(c.status, Status::Ok | Status::NotChecked))
        .map(|c| (c.id.as_str(), c.status))
        .collect()
}

#[test]
fn healthy_staging_is_ok_with_every_check_run() {
    let m = c2();
    let v = verify(&m, &[healthy(&m, "staging")]);
    assert_eq!(failing(&v), vec![]);
    assert_eq!(v.status, Status::Ok);
    assert_eq!(v.status.exit_code(), 0);
    assert_eq!(v.environments.len(), 1);
    assert_eq!(v.environments[0].status, Status::Ok);
    // Each binding is its own edge; each instance and app has its checks.
    for id in [
        "staging/binding/worker->queue",
        "staging/binding/web->db",
        "staging/service/db",
        "staging/service-plan/db",
        "staging/service-operation/db",
        "staging/app/web",
        "staging/app-instances/web",
        "staging/app-routes/web",
        "staging/unexpected/services",
        "staging/unexpected/apps",
        "staging/unexpected/bindings",
    ] {
        assert_eq!(check(&v, id).status, Status::Ok, "{id}");
    }
    let bindings = v
        .checks
        .iter()
        .filter(|c| c.id.starts_with("staging/binding/"))
        .count();
    assert_eq!(bindings, 18);
    assert!(
        v.checks.iter().all(|c| c.status != Status::NotChecked),
        "every check ran"
    );
    // The worker has no route: no route check for it.
    assert!(!ids(&v).contains(&"staging/app-routes/worker"));
}

#[test]
fn incident_replayed_is_critical_and_names_the_lost_queue_bindings() {
    let m = c2();
    let v = verify(&m, &[incident(&m)]);
    assert_eq!(v.status, Status::Critical);
    assert_eq!(v.status.exit_code(), 2);
    assert_eq!(
        failing(&v),
        vec![
            ("staging/binding/web->queue", Status::Critical),
            ("staging/binding/worker->queue", Status::Critical),
        ]
    );
    let c = check(&v, "staging/binding/worker->queue");
    assert_eq!(
        c.message,
        "c2-staging-worker lost its binding to c2-staging-redis (queue)"
    );
    assert_eq!(
        c.repair.as_deref(),
        Some("cf bind-service c2-staging-worker c2-staging-redis\ncf restage c2-staging-worker")
    );
    assert_eq!(
        c.impact.as_deref(),
        Some(
            "c2-staging-worker can no longer reach its queue c2-staging-redis (dequeue background jobs)"
        )
    );
    assert_eq!(
        c.observed.as_deref(),
        Some("c2-staging-redis has no bound apps")
    );
    // The database bindings are back, and say so.
    assert_eq!(check(&v, "staging/binding/worker->db").status, Status::Ok);
    assert_eq!(check(&v, "staging/binding/web->db").status, Status::Ok);
    let headline = archcheck::report::headline(&v);
    assert_eq!(
        headline,
        "CRITICAL: staging: c2-staging lost its binding to c2-staging-redis (queue); \
         c2-staging-worker lost its binding to c2-staging-redis (queue)"
    );
}

#[test]
fn failed_last_operation_is_critical_and_in_progress_a_warning() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    instance(&mut o, "c2-staging-db").last_operation = Some(LastOperation {
        kind: "update".into(),
        state: OperationState::Failed,
    });
    instance(&mut o, "c2-staging-elasticsearch").last_operation = Some(LastOperation {
        kind: "create".into(),
        state: OperationState::InProgress,
    });
    let v = verify(&m, &[o]);
    let failed = check(&v, "staging/service-operation/db");
    assert_eq!(failed.status, Status::Critical);
    assert_eq!(failed.observed.as_deref(), Some("update failed"));
    assert!(
        failed
            .repair
            .as_deref()
            .unwrap()
            .starts_with("cf service c2-staging-db")
    );
    assert!(
        failed
            .impact
            .as_deref()
            .unwrap()
            .contains("c2-staging-worker")
    );
    let busy = check(&v, "staging/service-operation/search");
    assert_eq!(busy.status, Status::Warning);
    assert_eq!(busy.observed.as_deref(), Some("create in progress"));
    assert_eq!(v.status, Status::Critical);
}

#[test]
fn no_last_operation_is_no_failure() {
    // cf v6/v7 print no last operation for user-provided instances, v8 may leave it empty.
    let m = c2();
    let mut o = healthy(&m, "staging");
    instance(&mut o, "c2-staging-db").last_operation = None;
    let v = verify(&m, &[o]);
    assert_eq!(check(&v, "staging/service-operation/db").status, Status::Ok);
    assert_eq!(check(&v, "staging/service-operation/s3").status, Status::Ok);
    assert_eq!(v.status, Status::Ok);
}

#[test]
fn plan_or_offering_that_differs_is_a_warning_with_a_repair() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    instance(&mut o, "c2-staging-db").plan = Some("small-psql".into());
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/service-plan/db");
    assert_eq!(c.status, Status::Warning);
    assert_eq!(
        c.message,
        "c2-staging-db: plan is small-psql, not medium-psql"
    );
    assert_eq!(
        c.repair.as_deref(),
        Some("cf update-service c2-staging-db -p medium-psql")
    );
    assert_eq!(v.status, Status::Warning);
    assert_eq!(v.status.exit_code(), 1);

    let mut o = healthy(&m, "staging");
    let s = instance(&mut o, "c2-staging-redis");
    s.offering = Some("redis32".into());
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/service-plan/queue");
    assert_eq!(c.status, Status::Warning);
    assert!(
        c.message.contains("offering is redis32, not redis28"),
        "{}",
        c.message
    );
}

#[test]
fn user_provided_against_managed_is_a_warning() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    let s = instance(&mut o, "c2-staging-db");
    s.user_provided = true;
    s.offering = None;
    s.plan = None;
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/service-plan/db");
    assert_eq!(c.status, Status::Warning);
    assert_eq!(
        c.message,
        "c2-staging-db is user-provided; the model says a managed instance"
    );
}

#[test]
fn extra_instance_app_and_binding_are_warnings() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    services_mut(&mut o).instances.push(ObservedService {
        name: "c2-staging-redis-old".into(),
        offering: Some("redis28".into()),
        plan: Some("standard".into()),
        bound_apps: vec!["c2-staging".into()],
        ..Default::default()
    });
    instance(&mut o, "c2-staging-db")
        .bound_apps
        .push("psql-console".into());
    apps_mut(&mut o).apps.push(ObservedApp {
        name: "psql-console".into(),
        state: Some(AppState::Started),
        processes: None,
        routes: None,
        ..Default::default()
    });
    let v = verify(&m, &[o]);
    assert_eq!(
        failing(&v),
        vec![
            ("staging/unexpected/app/psql-console", Status::Warning),
            (
                "staging/unexpected/binding/c2-staging->c2-staging-redis-old",
                Status::Warning
            ),
            (
                "staging/unexpected/binding/psql-console->c2-staging-db",
                Status::Warning
            ),
            (
                "staging/unexpected/service/c2-staging-redis-old",
                Status::Warning
            ),
        ]
    );
    let c = check(&v, "staging/unexpected/service/c2-staging-redis-old");
    assert_eq!(
        c.observed.as_deref(),
        Some("offering redis28, plan standard; bound apps: c2-staging")
    );
    // Never a delete: an instance the model lacks may be shared from another space.
    let repair = c.repair.as_deref().unwrap();
    assert!(
        repair.contains("cf service c2-staging-redis-old"),
        "{repair}"
    );
    assert!(!repair.contains("delete-service"), "{repair}");
    assert_eq!(v.status, Status::Warning);
}

#[test]
fn missing_instance_is_critical_and_so_is_every_binding_to_it() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    services_mut(&mut o)
        .instances
        .retain(|s| s.name != "c2-staging-redis");
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/service/queue");
    assert_eq!(c.status, Status::Critical);
    assert_eq!(c.message, "service instance c2-staging-redis is missing");
    assert_eq!(
        c.repair.as_deref(),
        Some("cf create-service redis28 standard c2-staging-redis")
    );
    let impact = c.impact.as_deref().unwrap();
    assert!(impact.contains("c2-staging can no longer reach its queue c2-staging-redis"));
    assert!(impact.contains("c2-staging-worker can no longer reach its queue c2-staging-redis"));
    for id in [
        "staging/binding/web->queue",
        "staging/binding/worker->queue",
    ] {
        assert_eq!(check(&v, id).status, Status::Critical, "{id}");
    }
    // The instance's own details cannot be checked, and say why.
    let plan = check(&v, "staging/service-plan/queue");
    assert_eq!(plan.status, Status::NotChecked);
    assert!(plan.message.contains("does not exist"));
    assert_eq!(v.status, Status::Critical);
}

#[test]
fn missing_user_provided_instance_repairs_with_cups() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    services_mut(&mut o)
        .instances
        .retain(|s| s.name != "c2-staging-ups-s3");
    let v = verify(&m, &[o]);
    assert_eq!(
        check(&v, "staging/service/s3").repair.as_deref(),
        Some("cf create-user-provided-service c2-staging-ups-s3 -p '<credentials JSON>'")
    );
}

#[test]
fn an_absence_behind_an_unreadable_line_is_unknown_not_critical() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    let s = services_mut(&mut o);
    s.instances.retain(|s| s.name != "c2-staging-redis");
    s.gaps
        .push("line 7 not understood: `c2-staging-r\u{fffd}dis  redis28`".into());
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/service/queue");
    assert_eq!(c.status, Status::Unknown);
    assert!(c.message.contains("line 7"), "{}", c.message);
    assert_eq!(
        check(&v, "staging/binding/worker->queue").status,
        Status::Unknown
    );
    assert_eq!(
        check(&v, "staging/service-plan/queue").status,
        Status::Unknown
    );
    assert_eq!(v.status, Status::Unknown);
    assert_eq!(v.status.exit_code(), 3);
}

#[test]
fn a_gap_keeps_an_otherwise_healthy_space_from_ok() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    services_mut(&mut o)
        .gaps
        .push("line 12 not understood".into());
    let v = verify(&m, &[o]);
    assert_eq!(failing(&v).len(), 2, "{:?}", failing(&v));
    assert_eq!(
        check(&v, "staging/unexpected/services").status,
        Status::Unknown
    );
    assert_eq!(
        check(&v, "staging/unexpected/bindings").status,
        Status::Unknown
    );
    assert_eq!(v.status, Status::Unknown);
}

#[test]
fn hidden_bindings_are_unknown_and_never_ok() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    services_mut(&mut o).bindings_hidden = Some("`cf services --no-apps` hides bound apps".into());
    let v = verify(&m, &[o]);
    for c in v
        .checks
        .iter()
        .filter(|c| c.id.starts_with("staging/binding/"))
    {
        assert_eq!(c.status, Status::Unknown, "{}", c.id);
        assert!(c.message.contains("--no-apps"), "{}", c.message);
    }
    assert_eq!(
        check(&v, "staging/unexpected/bindings").status,
        Status::Unknown
    );
    assert_eq!(check(&v, "staging/service/db").status, Status::Ok);
    assert_eq!(v.status, Status::Unknown);
}

#[test]
fn an_unavailable_part_is_unknown_and_an_uncovered_one_not_checked() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    o.services = Coverage::Unavailable {
        reason: "API timed out after 60s".into(),
    };
    o.apps = Coverage::NotCovered;
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/service/db");
    assert_eq!(c.status, Status::Unknown);
    assert!(c.message.contains("API timed out after 60s"));
    assert_eq!(check(&v, "staging/binding/web->db").status, Status::Unknown);
    assert_eq!(check(&v, "staging/app/web").status, Status::NotChecked);
    assert_eq!(
        check(&v, "staging/app-instances/web").status,
        Status::NotChecked
    );
    assert_eq!(v.status, Status::Unknown);
}

#[test]
fn services_only_is_ok_with_app_checks_not_checked() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    o.apps = Coverage::NotCovered;
    let v = verify(&m, &[o]);
    assert_eq!(v.status, Status::Ok);
    let c = check(&v, "staging/app/web");
    assert_eq!(c.status, Status::NotChecked);
    assert!(c.message.contains("cf apps"), "{}", c.message);
}

#[test]
fn nothing_covered_is_unknown() {
    let m = c2();
    let v = verify(&m, &[Observation::new("staging")]);
    assert!(v.checks.iter().all(|c| c.status == Status::NotChecked));
    assert_eq!(v.environments[0].status, Status::Unknown);
    assert_eq!(v.status, Status::Unknown);
    assert_eq!(v.status.exit_code(), 3);
    assert!(
        archcheck::report::headline(&v).starts_with("UNKNOWN: staging: nothing could be checked: ")
    );
}

#[test]
fn no_observation_at_all_is_unknown() {
    let m = c2();
    let v = verify(&m, &[]);
    assert_eq!(v.status, Status::Unknown);
}

#[test]
fn crashed_partial_stopped_and_unknown_instances() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    app(&mut o, "c2-staging-worker").processes = Some(vec![ProcessCounts {
        process_type: "web".into(),
        running: Some(0),
        desired: 1,
    }]);
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/app-instances/worker");
    assert_eq!(c.status, Status::Critical);
    assert_eq!(
        c.message,
        "c2-staging-worker has 0 of 1 web instances running"
    );
    assert!(c.impact.as_deref().unwrap().contains("background jobs"));
    assert_eq!(check(&v, "staging/app/worker").status, Status::Ok);
    assert_eq!(v.status, Status::Critical);

    let mut o = healthy(&m, "prod");
    app(&mut o, "c2-prod").processes = Some(vec![ProcessCounts {
        process_type: "web".into(),
        running: Some(1),
        desired: 2,
    }]);
    let v = verify(&m, &[o]);
    let c = check(&v, "prod/app-instances/web");
    assert_eq!(c.status, Status::Warning);
    assert_eq!(c.observed.as_deref(), Some("web:1/2"));
    assert_eq!(v.status, Status::Warning);

    // Scaled below the model: every desired instance runs, but fewer than the model's 2.
    let mut o = healthy(&m, "prod");
    app(&mut o, "c2-prod").processes = Some(vec![ProcessCounts {
        process_type: "web".into(),
        running: Some(1),
        desired: 1,
    }]);
    let v = verify(&m, &[o]);
    let c = check(&v, "prod/app-instances/web");
    assert_eq!(c.status, Status::Warning);
    assert_eq!(
        c.message,
        "c2-prod is scaled to 1 instance; the model says 2"
    );
    assert_eq!(c.repair.as_deref(), Some("cf scale c2-prod -i 2"));

    // Scaled to zero: nothing runs, and the repair is a scale.
    let mut o = healthy(&m, "staging");
    app(&mut o, "c2-staging").processes = Some(vec![ProcessCounts {
        process_type: "web".into(),
        running: Some(0),
        desired: 0,
    }]);
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/app-instances/web");
    assert_eq!(c.status, Status::Critical);
    assert_eq!(c.repair.as_deref(), Some("cf scale c2-staging -i 1"));

    let mut o = healthy(&m, "staging");
    app(&mut o, "c2-staging").state = Some(AppState::Stopped);
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/app/web");
    assert_eq!(c.status, Status::Critical);
    assert_eq!(c.repair.as_deref(), Some("cf start c2-staging"));
    assert_eq!(
        check(&v, "staging/app-instances/web").status,
        Status::NotChecked
    );

    let mut o = healthy(&m, "staging");
    app(&mut o, "c2-staging").processes = Some(vec![ProcessCounts {
        process_type: "web".into(),
        running: None,
        desired: 1,
    }]);
    let v = verify(&m, &[o]);
    assert_eq!(
        check(&v, "staging/app-instances/web").status,
        Status::Unknown
    );
    assert_eq!(v.status, Status::Unknown);

    let mut o = healthy(&m, "staging");
    app(&mut o, "c2-staging").processes = None;
    let v = verify(&m, &[o]);
    assert_eq!(
        check(&v, "staging/app-instances/web").status,
        Status::Unknown
    );
}

#[test]
fn missing_app_and_missing_route() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    apps_mut(&mut o)
        .apps
        .retain(|a| a.name != "c2-staging-worker");
    app(&mut o, "c2-staging").routes = Some(vec!["c2-staging.app.cloud.gov".into()]);
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/app/worker");
    assert_eq!(c.status, Status::Critical);
    assert_eq!(c.message, "app c2-staging-worker is missing");
    assert!(
        c.repair
            .as_deref()
            .unwrap()
            .contains("cf push c2-staging-worker")
    );
    assert_eq!(
        check(&v, "staging/app-instances/worker").status,
        Status::NotChecked
    );
    let r = check(&v, "staging/app-routes/web");
    assert_eq!(r.status, Status::Warning);
    assert_eq!(
        r.repair.as_deref(),
        Some("cf map-route c2-staging 18f.gov --hostname c2-staging")
    );
    assert_eq!(r.observed.as_deref(), Some("c2-staging.app.cloud.gov"));
}

#[test]
fn non_critical_binding_missing_is_a_warning() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    instance(&mut o, "c2-staging-ups-newrelic")
        .bound_apps
        .retain(|a| a != "c2-staging-worker");
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/binding/worker->newrelic");
    assert_eq!(c.status, Status::Warning);
    assert!(
        c.impact
            .as_deref()
            .unwrap()
            .ends_with("(marked not critical)")
    );
    assert_eq!(v.status, Status::Warning);
    assert_eq!(v.status.exit_code(), 1);
}

#[test]
fn cf_env_is_a_second_view_of_bindings() {
    let m = c2();
    // cf services says bound, the app's VCAP_SERVICES lacks it: CRITICAL.
    let mut o = healthy(&m, "staging");
    o.app_envs.push(AppEnvSeen {
        app: "c2-staging-worker".into(),
        bound_instances: Coverage::Seen(vec!["c2-staging-db".into()]),
    });
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/binding/worker->queue");
    assert_eq!(c.status, Status::Critical);
    assert!(c.observed.as_deref().unwrap().contains("VCAP_SERVICES"));
    assert_eq!(check(&v, "staging/binding/worker->db").status, Status::Ok);

    // cf env alone (no cf services): its view decides.
    let mut o = Observation::new("staging");
    o.app_envs.push(AppEnvSeen {
        app: "c2-staging-worker".into(),
        bound_instances: Coverage::Seen(vec!["c2-staging-db".into(), "c2-staging-redis".into()]),
    });
    let v = verify(&m, &[o]);
    assert_eq!(
        check(&v, "staging/binding/worker->queue").status,
        Status::Ok
    );
    assert_eq!(
        check(&v, "staging/binding/worker->search").status,
        Status::Critical
    );
    assert_eq!(
        check(&v, "staging/binding/web->queue").status,
        Status::NotChecked
    );

    // Unreadable cf env: UNKNOWN unless another source saw the binding.
    let unreadable = AppEnvSeen {
        app: "c2-staging-worker".into(),
        bound_instances: Coverage::Unavailable {
            reason: "VCAP_SERVICES is not valid JSON".into(),
        },
    };
    let mut o = Observation::new("staging");
    o.app_envs.push(unreadable.clone());
    let v = verify(&m, &[o]);
    assert_eq!(
        check(&v, "staging/binding/worker->queue").status,
        Status::Unknown
    );
    let mut o = healthy(&m, "staging");
    o.app_envs.push(unreadable);
    let v = verify(&m, &[o]);
    assert_eq!(
        check(&v, "staging/binding/worker->queue").status,
        Status::Ok
    );

    // An extra instance in VCAP_SERVICES is an extra binding.
    let mut o = healthy(&m, "staging");
    o.app_envs.push(AppEnvSeen {
        app: "c2-staging".into(),
        bound_instances: Coverage::Seen(vec![
            "c2-staging-db".into(),
            "c2-staging-redis".into(),
            "c2-staging-elasticsearch".into(),
            "c2-staging-ups-s3".into(),
            "c2-staging-ups-oauth".into(),
            "c2-staging-ups-newrelic".into(),
            "c2-staging-ups-email".into(),
            "c2-staging-ups-app_param".into(),
            "c2-staging-ups-app_config".into(),
            "legacy-smtp".into(),
        ]),
    });
    let v = verify(&m, &[o]);
    assert_eq!(
        failing(&v),
        vec![(
            "staging/unexpected/binding/c2-staging->legacy-smtp",
            Status::Warning
        )]
    );
}

#[test]
fn refused_cf_env_for_another_app_is_unknown() {
    let m = c2();
    let mut o = healthy(&m, "staging");
    o.app_envs.push(AppEnvSeen {
        app: "c2-dev-worker".into(),
        bound_instances: Coverage::Unavailable {
            reason: "env.txt refused: output for org cap / space dev".into(),
        },
    });
    let v = verify(&m, &[o]);
    let c = check(&v, "staging/unexpected/app-env/c2-dev-worker");
    assert_eq!(c.status, Status::Unknown);
    assert_eq!(v.status, Status::Unknown);
}

#[test]
fn environments_aggregate_to_the_worst_and_unknown_beats_warning() {
    let m = c2();
    let mut dev = healthy(&m, "dev");
    dev.services = Coverage::Unavailable {
        reason: "refused".into(),
    };
    let mut staging = healthy(&m, "staging");
    instance(&mut staging, "c2-staging-db").plan = Some("small-psql".into());
    // Given out of model order: the verdict lists dev first.
    let v = verify(&m, &[staging, dev, healthy(&m, "prod")]);
    let names: Vec<(&str, Status)> = v
        .environments
        .iter()
        .map(|e| (e.name.as_str(), e.status))
        .collect();
    assert_eq!(
        names,
        vec![
            ("dev", Status::Unknown),
            ("staging", Status::Warning),
            ("prod", Status::Ok)
        ]
    );
    assert_eq!(v.status, Status::Unknown);
}

#[test]
fn observations_of_one_environment_merge() {
    let m = c2();
    let full = healthy(&m, "staging");
    let mut services = full.clone();
    services.apps = Coverage::NotCovered;
    let mut apps = full;
    apps.services = Coverage::NotCovered;
    let v = verify(&m, &[services, apps]);
    assert_eq!(v.environments.len(), 1);
    assert_eq!(v.status, Status::Ok);
    assert!(v.checks.iter().all(|c| c.status == Status::Ok));
}

#[test]
fn an_environment_the_model_lacks_is_unknown() {
    let m = c2();
    let v = verify(&m, &[Observation::new("qa")]);
    assert_eq!(v.status, Status::Unknown);
    assert_eq!(v.checks[0].id, "qa/unexpected/environment/qa");
}

#[test]
fn exit_codes_follow_the_monitoring_plugin_convention() {
    let m = c2();
    let ok = verify(&m, &[healthy(&m, "staging")]);
    let mut w = healthy(&m, "staging");
    instance(&mut w, "c2-staging-db").plan = Some("x".into());
    let warning = verify(&m, &[w]);
    let critical = verify(&m, &[incident(&m)]);
    let unknown = verify(&m, &[Observation::new("staging")]);
    let codes: Vec<u8> = [ok, warning, critical, unknown]
        .iter()
        .map(|v| v.status.exit_code())
        .collect();
    assert_eq!(codes, vec![0, 1, 2, 3]);
}

#[test]
fn same_observation_same_verdict() {
    let m = c2();
    let a = verify(&m, &[incident(&m)]);
    let b = verify(&m, &[incident(&m)]);
    assert_eq!(a, b);
}

// ---- the command ----

#[test]
fn no_source_is_a_usage_error() {
    archcheck()
        .args(["verify", "models/c2.json", "--env", "staging"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("--cf-services FILE"))
        .stderr(predicates::str::contains(
            "cf services | archcheck verify models/c2.json --env staging --cf-services -",
        ));
}

/// CF takes names in any case as one (the Cloud Controller's name columns are
/// case-insensitive): captures whose org, space, app and instance names differ from the model
/// only in case are read as the model's, neither a false CRITICAL nor a missed binding.
#[test]
fn names_that_differ_only_in_case_are_the_same_cf_names() {
    let dir = tempfile::tempdir().unwrap();
    let recase = |file: &str| {
        let text = std::fs::read_to_string(harness::fixture(file)).unwrap();
        // Same lengths, so the columns stay where they were.
        text.replace("org cap / space staging", "org CAP / space Staging")
            .replace("c2-staging-worker", "C2-Staging-Worker")
            .replace("c2-staging-redis", "C2-STAGING-REDIS")
    };
    for (name, file) in [
        ("services.txt", "cf/healthy-v8/services.txt"),
        ("apps.txt", "cf/healthy-v8/apps.txt"),
        ("env.txt", "cf/env-v8/env.txt"),
    ] {
        std::fs::write(dir.path().join(name), recase(file)).unwrap();
    }
    let model = model("c2.json");
    let out = harness::archcheck_in(dir.path())
        .args(["verify", model.to_str().unwrap(), "--env", "staging"])
        .args(["--cf-services", "services.txt", "--cf-apps", "apps.txt"])
        .args(["--cf-env", "env.txt", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(
        harness::status_of(&report, "staging/binding/worker->queue"),
        "OK",
        "{report:#}"
    );
    assert_eq!(out.status.code(), Some(0), "{report:#}");
}

/// After `cf login` (a cf CLI config with a target and a token), no capture and no `--api`
/// verify live against the target; a config without a target is still no source.
#[test]
fn with_a_cf_session_and_no_capture_the_targets_api_is_verified() {
    let c2 = c2();
    let sim = archcheck::sim::Simulator::start(&c2, archcheck::sim::SimConfig::default())
        .expect("the simulator starts");
    let home = tempfile::tempdir().unwrap();
    let write_config = |target: &str| {
        std::fs::create_dir_all(home.path().join(".cf")).unwrap();
        std::fs::write(
            home.path().join(".cf/config.json"),
            serde_json::json!({
                "ConfigVersion": 3,
                "Target": target,
                "AccessToken": "bearer session-token-for-the-sim",
                "RefreshToken": "session-refresh",
                "UAAOAuthClient": "cf",
            })
            .to_string(),
        )
        .unwrap();
    };
    let model = model("c2.json");
    let args = [
        "verify",
        model.to_str().unwrap(),
        "--env",
        "staging",
        "--format",
        "json",
    ];
    write_config(sim.url().trim_end_matches('/'));
    let out = harness::archcheck_in(home.path())
        .args(args)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    let sources = report["environments"][0]["sources"].to_string();
    assert!(
        sources.contains(sim.url().trim_end_matches('/')),
        "{sources}"
    );

    write_config("");
    harness::archcheck_in(home.path())
        .args(args)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("--cf-services FILE"))
        .stderr(predicates::str::contains("cf login"));
}

#[test]
fn unknown_env_lists_the_environments() {
    archcheck()
        .args(["verify", "models/c2.json", "--env", "stagign", "--cf-services", "-"])
        .write_stdin("")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no environment `stagign`"))
        .stderr(predicates::str::contains(
            "dev (org cap / space dev), staging (org cap / space staging), prod (org cap / space prod)",
        ));
}

#[test]
fn standard_input_only_once() {
    archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--cf-services",
            "-",
            "--cf-apps",
            "-",
        ])
        .write_stdin("")
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "standard input (`-`) can be read only once",
        ));
}

#[test]
fn unreadable_capture_file_names_it() {
    archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--cf-services",
            "tests/fixtures/verify/does-not-exist.txt",
        ])
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "cannot read --cf-services tests/fixtures/verify/does-not-exist.txt",
        ));
}

#[test]
fn invalid_model_is_exit_3() {
    archcheck()
        .args([
            "verify",
            "tests/fixtures/verify/not-a-model.json",
            "--cf-services",
            "-",
        ])
        .write_stdin("")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("not-a-model.json"));
}

/// Empty or garbage input never verifies OK, whatever the parser makes of it.
#[test]
fn empty_and_garbage_captures_are_unknown_never_ok() {
    for input in [
        &b""[..],
        &b"\x00\xff\xfe garbage \x1b[31m\n\n"[..],
        &std::fs::read(crate::harness::fixture("verify/other-space-services.txt")).unwrap()[..],
    ] {
        let out = archcheck()
            .args([
                "verify",
                "models/c2.json",
                "--env",
                "staging",
                "--cf-services",
                "-",
                "--format",
                "json",
            ])
            .write_stdin(input)
            .assert()
            .code(3)
            .get_output()
            .stdout
            .clone();
        let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON report");
        assert_eq!(doc["status"], "UNKNOWN");
        assert_eq!(doc["format_version"], 1);
        let db = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "staging/service/db")
            .unwrap();
        assert_eq!(db["status"], "UNKNOWN");
    }
}

#[test]
fn a_capture_that_names_no_known_space_without_env_is_a_usage_error() {
    archcheck()
        .args(["verify", "models/c2.json", "--cf-services", "-"])
        .write_stdin("")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("Pass --env with one of: dev"));
}

#[test]
fn report_goes_to_a_file_with_o() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.xml");
    archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--cf-services",
            "-",
        ])
        .args(["--format", "junit", "-o"])
        .arg(&out)
        .write_stdin("")
        .assert()
        .code(3)
        .stdout("");
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<testsuite name=\"staging\""), "{xml}");
}

#[test]
fn text_report_has_no_colour_in_a_pipe() {
    let out = archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--cf-services",
            "-",
        ])
        .write_stdin("")
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("UNKNOWN: staging: "), "{text}");
    assert!(!text.contains('\x1b'), "{text}");
}

#[test]
fn api_that_cannot_be_reached_is_unknown_never_ok() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::harness::archcheck_in(dir.path())
        .arg("verify")
        .arg(crate::harness::model("c2.json"))
        .args([
            "--env",
            "staging",
            "--api",
            "http://127.0.0.1:9",
            "--timeout",
            "3s",
            "--format",
            "json",
        ])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON report");
    assert_eq!(doc["status"], "UNKNOWN");
    assert_eq!(doc["environments"].as_array().unwrap().len(), 1);
}

#[test]
fn diagram_is_written_or_its_failure_reported() {
    let dir = tempfile::tempdir().unwrap();
    let dot = dir.path().join("verdict.dot");
    let assert = archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--cf-services",
            "-",
        ])
        .arg("--diagram")
        .arg(&dot)
        .write_stdin("")
        .assert()
        .code(3);
    let out = assert.get_output();
    // The report comes out either way.
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("UNKNOWN: staging"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    match std::fs::read_to_string(&dot) {
        Ok(text) => assert!(text.contains("digraph"), "{text}"),
        Err(_) => assert!(stderr.contains("cannot draw the diagram"), "{stderr}"),
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        // Failures the model calls critical.
        Unbind(usize),
        DropInstance(usize),
        DropApp(usize),
        Crash(usize),
        // Lost evidence.
        Gap,
        HideBindings,
        ServicesUnavailable,
        AppsUnavailable,
        // Harmless to the verdict's floor.
        Noise(String),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..9).prop_map(Op::Unbind),
            (0usize..9).prop_map(Op::DropInstance),
            (0usize..2).prop_map(Op::DropApp),
            (0usize..2).prop_map(Op::Crash),
            Just(Op::Gap),
            Just(Op::HideBindings),
            Just(Op::ServicesUnavailable),
            Just(Op::AppsUnavailable),
            "[a-z-]{1,12}".prop_map(Op::Noise),
        ]
    }

    const CRITICAL_INSTANCES: [&str; 9] = [
        "c2-staging-db",
        "c2-staging-redis",
        "c2-staging-elasticsearch",
        "c2-staging-ups-s3",
        "c2-staging-ups-oauth",
        "c2-staging-ups-newrelic",
        "c2-staging-ups-email",
        "c2-staging-ups-app_param",
        "c2-staging-ups-app_config",
    ];
    const APPS: [&str; 2] = ["c2-staging", "c2-staging-worker"];

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 200,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Lost evidence never verifies OK; a critical failure with full evidence is CRITICAL;
        /// verification never panics.
        #[test]
        fn the_verdict_floor_follows_the_evidence(ops in proptest::collection::vec(op(), 0..6)) {
            let m = c2();
            let mut o = healthy(&m, "staging");
            let mut evidence_lost = false;
            let mut critical = false;
            let mut warning = false;
            for op in &ops {
                match op {
                    Op::Unbind(i) => {
                        if let Coverage::Seen(s) = &mut o.services
                            && let Some(inst) = s.instances.iter_mut().find(|x| x.name == CRITICAL_INSTANCES[*i])
                        {
                            inst.bound_apps.retain(|a| a != "c2-staging");
                            // newrelic is not critical for the web app: a WARNING.
                            if CRITICAL_INSTANCES[*i] == "c2-staging-ups-newrelic" {
                                warning = true;
                            } else {
                                critical = true;
                            }
                        }
                    }
                    Op::DropInstance(i) => {
                        if let Coverage::Seen(s) = &mut o.services {
                            let before = s.instances.len();
                            s.instances.retain(|x| x.name != CRITICAL_INSTANCES[*i]);
                            critical |= s.instances.len() != before;
                        }
                    }
                    Op::DropApp(i) => {
                        if let Coverage::Seen(a) = &mut o.apps {
                            let before = a.apps.len();
                            a.apps.retain(|x| x.name != APPS[*i]);
                            critical |= a.apps.len() != before;
                        }
                    }
                    Op::Crash(i) => {
                        if let Coverage::Seen(a) = &mut o.apps
                            && let Some(x) = a.apps.iter_mut().find(|x| x.name == APPS[*i])
                        {
                            x.processes = Some(vec![ProcessCounts {
                                process_type: "web".into(),
                                running: Some(0),
                                desired: 1,
                            }]);
                            critical = true;
                        }
                    }
                    Op::Gap => {
                        if let Coverage::Seen(s) = &mut o.services {
                            s.gaps.push("line 5 not understood".into());
                            evidence_lost = true;
                        }
                    }
                    Op::HideBindings => {
                        if let Coverage::Seen(s) = &mut o.services {
                            s.bindings_hidden = Some("--no-apps".into());
                            evidence_lost = true;
                        }
                    }
                    Op::ServicesUnavailable => {
                        o.services = Coverage::Unavailable { reason: "timeout".into() };
                        evidence_lost = true;
                    }
                    Op::AppsUnavailable => {
                        o.apps = Coverage::Unavailable { reason: "timeout".into() };
                        evidence_lost = true;
                    }
                    Op::Noise(name) => o.sources.push(name.clone()),
                }
            }
            let v = verify(&m, std::slice::from_ref(&o));
            if evidence_lost {
                prop_assert_ne!(v.status, Status::Ok);
            }
            if critical && !evidence_lost {
                prop_assert_eq!(v.status, Status::Critical);
            }
            if !critical && !evidence_lost {
                prop_assert_eq!(v.status, if warning { Status::Warning } else { Status::Ok });
            }
            prop_assert_eq!(&v, &verify(&m, &[o]));
        }
    }
}

// ---- end to end through real captures: need the cf_text parsers (issue 3, item 1) ----

#[test]
fn e2e_incident_capture_from_stdin_is_critical_and_names_the_lost_bindings() {
    let capture = std::fs::read(crate::harness::fixture(
        "verify/staging-incident-services-v8.txt",
    ))
    .unwrap();
    let out = archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--cf-services",
            "-",
        ])
        .write_stdin(capture)
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "CRITICAL: staging: c2-staging lost its binding to c2-staging-redis (queue); \
         c2-staging-worker lost its binding to c2-staging-redis (queue)"
    );
    assert!(
        text.contains("sources: cf services (v8) from standard input"),
        "{text}"
    );
    // The whole report: every finding, its impact and repair, in order.
    crate::assert_filtered_snapshot!("verify_incident_staging_text", text);
}

#[test]
fn e2e_healthy_captures_matched_by_their_first_line_are_ok() {
    archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--cf-services",
            "tests/fixtures/verify/staging-healthy-services-v8.txt",
            "--cf-apps",
            "tests/fixtures/verify/staging-healthy-apps-v8.txt",
        ])
        .assert()
        .code(0)
        .stdout(predicates::str::starts_with("OK: staging: all "));
}

#[test]
fn e2e_capture_for_another_space_is_refused() {
    archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "dev",
            "--cf-services",
            "tests/fixtures/verify/staging-healthy-services-v8.txt",
        ])
        .assert()
        .code(3)
        .stdout(predicates::str::contains(
            "org cap / space staging (environment staging), which is not among the environments to verify; dev is org cap / space dev",
        ));
}

/// Every line of a capture cut to `width` columns, as a narrow terminal or `cut -c` leaves it.
fn cut_lines(text: &str, width: usize) -> String {
    text.lines()
        .map(|l| l.chars().take(width).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn e2e_services_cut_before_the_last_operation_column_is_never_ok() {
    // Every instance's last operation failed; the capture is cut just before that column.
    let healthy = std::fs::read_to_string(crate::harness::fixture(
        "verify/staging-healthy-services-v8.txt",
    ))
    .unwrap();
    let failed = healthy.replace("create succeeded", "create failed   ");
    let header = failed.lines().find(|l| l.starts_with("name")).unwrap();
    let cut = cut_lines(&failed, header.find("last operation").unwrap());
    let (code, doc) = harness::verify_json(
        &["models/c2.json", "--cf-services", "-"],
        Some(cut.as_bytes()),
    );
    assert_eq!(doc["status"], "UNKNOWN", "{doc:#}");
    assert_eq!(code, Some(3));
    let op = harness::check(&doc, "staging/service-operation/db");
    assert_eq!(op["status"], "UNKNOWN", "{op:#}");
    assert!(
        op["message"].as_str().unwrap().contains("last operation"),
        "{op:#}"
    );
}

#[test]
fn e2e_apps_cut_before_the_routes_column_is_never_ok() {
    // The worker's worker process is down; the capture is cut right after `web:10/10`.
    let apps = "Getting apps in org cap / space staging as u...\n\n\
        name                requested state   processes               routes\n\
        c2-staging          started           web:1/1                 c2-staging.18f.gov\n\
        c2-staging-worker   started           web:10/10, worker:0/1   \n";
    let at = "name                requested state   processes".len();
    assert_eq!(at, "Getting apps in org cap / space staging as u...".len());
    let (code, doc) = harness::verify_json(
        &["models/c2.json", "--cf-apps", "-"],
        Some(cut_lines(apps, at).as_bytes()),
    );
    assert_eq!(code, Some(3), "{doc:#}");
    let instances = harness::check(&doc, "staging/app-instances/worker");
    assert_eq!(instances["status"], "UNKNOWN", "{instances:#}");
    assert!(
        instances["message"].as_str().unwrap().contains("routes"),
        "{instances:#}"
    );
}

#[test]
fn an_unreadable_cf_env_capture_keeps_the_run_from_ok() {
    // The bindings are seen in `cf services`, so they pass; but the app's own view, given and
    // not readable, cannot say whether the app has bindings the model lacks.
    let m = c2();
    let mut o = healthy(&m, "staging");
    o.app_envs.push(AppEnvSeen {
        app: "c2-staging-worker".into(),
        bound_instances: Coverage::Unavailable {
            reason: "VCAP_SERVICES is cut off".into(),
        },
    });
    let v = verify(&m, &[o]);
    assert_eq!(
        check(&v, "staging/binding/worker->queue").status,
        Status::Ok
    );
    let c = check(&v, "staging/unexpected/app-env/c2-staging-worker");
    assert_eq!(c.status, Status::Unknown);
    assert!(c.message.contains("VCAP_SERVICES is cut off"), "{c:#?}");
    assert_eq!(v.status, Status::Unknown);
}

#[test]
fn e2e_a_capture_saved_with_a_byte_order_mark_is_read() {
    // PowerShell's `Out-File -Encoding utf8` and some editors start the file with U+FEFF.
    let mut capture = "\u{feff}".as_bytes().to_vec();
    capture.extend(
        std::fs::read(crate::harness::fixture(
            "verify/staging-incident-services-v8.txt",
        ))
        .unwrap(),
    );
    archcheck()
        .args(["verify", "models/c2.json", "--cf-services", "-"])
        .write_stdin(capture)
        .assert()
        .code(2)
        .stdout(predicates::str::starts_with("CRITICAL: staging: "));
}

#[test]
fn e2e_an_instance_or_app_listed_twice_is_unknown_not_its_first_row() {
    // Two rows that disagree: which one is true cannot be told.
    let services = std::fs::read_to_string(crate::harness::fixture(
        "verify/staging-healthy-services-v8.txt",
    ))
    .unwrap();
    let db = services
        .lines()
        .find(|l| l.starts_with("c2-staging-db "))
        .unwrap()
        .replace("create succeeded", "create failed   ");
    let services = format!("{services}{db}\n");
    let apps = std::fs::read_to_string(crate::harness::fixture(
        "verify/staging-healthy-apps-v8.txt",
    ))
    .unwrap();
    let worker = apps
        .lines()
        .find(|l| l.starts_with("c2-staging-worker "))
        .unwrap()
        .replace("started", "stopped");
    let dir = tempfile::tempdir().unwrap();
    let apps_file = dir.path().join("apps.txt");
    std::fs::write(&apps_file, format!("{apps}{worker}\n")).unwrap();
    let out = archcheck()
        .args(["verify", "models/c2.json", "--format", "json"])
        .args(["--cf-services", "-", "--cf-apps"])
        .arg(&apps_file)
        .write_stdin(services)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for id in [
        "staging/service-operation/db",
        "staging/binding/worker->db",
        "staging/app/worker",
    ] {
        assert_eq!(harness::status_of(&doc, id), "UNKNOWN", "{id}: {doc:#}");
    }
    assert_eq!(out.status.code(), Some(3));
}

/// A capture that shows the incident and a live API that shows a healthy space disagree:
/// neither source silently wins. The disputed instance is UNKNOWN, never OK.
#[test]
fn a_capture_and_the_api_that_disagree_are_unknown_not_ok() {
    let c2 = archcheck::model::load(&model("c2.json")).unwrap();
    let sim = archcheck::sim::Simulator::start(&c2, archcheck::sim::SimConfig::default())
        .expect("the simulator starts");
    let out = archcheck()
        .args([
            "verify",
            "models/c2.json",
            "--env",
            "staging",
            "--format",
            "json",
        ])
        .arg("--cf-services")
        .arg(crate::harness::fixture("cf/incident-v8/services.txt"))
        .arg("--api")
        .arg(sim.url())
        .env("CF_OAUTH_TOKEN", "bearer test-token")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(report["status"], "UNKNOWN");
    let status_of = |id: &str| harness::status_of(&report, id);
    assert_eq!(status_of("staging/binding/worker->queue"), "UNKNOWN");
    assert_eq!(status_of("staging/binding/worker->db"), "OK");
    let text = serde_json::to_string(&report).unwrap();
    assert!(
        text.contains("disagree"),
        "the reason names the disagreement: {text}"
    );
}

/// A space of `n` instances (every fifth user-provided) and `n / 10` apps, each bound to ten
/// of them, as model text.
fn large_model(n: usize) -> Model {
    let services: Vec<String> = (0..n)
        .map(|i| {
            if i % 5 == 4 {
                format!(r#""s{i:05}": {{ "name": "big-ups-{i:05}", "user_provided": true }}"#)
            } else {
                format!(
                    r#""s{i:05}": {{ "name": "big-svc-{i:05}", "offering": "redis", "plan": "p{}" }}"#,
                    i % 3
                )
            }
        })
        .collect();
    let apps: Vec<String> = (0..n / 10)
        .map(|a| {
            let bound: Vec<String> = (0..10)
                .map(|k| format!(r#""s{:05}""#, a * 10 + k))
                .collect();
            format!(
                r#""a{a:05}": {{ "name": "big-app-{a:05}", "services": [{}] }}"#,
                bound.join(", ")
            )
        })
        .collect();
    let text = format!(
        r#"{{ "version": 1, "system": "big", "environments": {{ "big": {{ "org": "o", "space": "s" }} }},
        "apps": {{ {} }}, "services": {{ {} }} }}"#,
        apps.join(",\n"),
        services.join(",\n")
    );
    archcheck::model::load_str("big.json", &text).expect("the generated model loads")
}

/// Verifying a space of thousands of instances stays linear: a lookup by name or id per
/// check, never a scan of every instance or binding per instance (that made 10,000
/// instances take minutes; see BENCHMARKS.md). The findings are still the right ones.
#[test]
fn five_thousand_instances_verify_quickly_with_the_right_findings() {
    let n = 5000;
    let model = large_model(n);
    let instances: Vec<ObservedService> = (0..n)
        .filter(|i| *i != 13) // missing
        .map(|i| {
            let managed = i % 5 != 4;
            ObservedService {
                name: if managed {
                    format!("big-svc-{i:05}")
                } else {
                    format!("big-ups-{i:05}")
                },
                offering: managed.then(|| "redis".to_owned()),
                plan: managed.then(|| {
                    if i == 7 {
                        "other".into()
                    } else {
                        format!("p{}", i % 3)
                    }
                }),
                broker: None,
                user_provided: !managed,
                bound_apps: if i == 0 {
                    vec![] // lost its binding
                } else {
                    vec![format!("big-app-{:05}", i / 10)]
                },
                last_operation: None,
                ..Default::default()
            }
        })
        .chain(std::iter::once(ObservedService {
            name: "big-extra".into(),
            user_provided: true,
            bound_apps: vec!["big-app-00001".into()],
            ..ObservedService::default()
        }))
        .collect();
    let obs = Observation {
        environment: "big".into(),
        sources: vec!["hand-made".into()],
        services: Coverage::Seen(ServicesSeen {
            instances,
            bindings_hidden: None,
            gaps: vec![],
        }),
        apps: Coverage::NotCovered,
        app_envs: vec![],
        guids: None,
    };
    let started = std::time::Instant::now();
    let v = verify(&model, &[obs]);
    let took = started.elapsed();
    assert_eq!(v.status, Status::Critical);
    assert_eq!(
        failing(&v),
        vec![
            ("big/binding/a00000->s00000", Status::Critical),
            ("big/binding/a00001->s00013", Status::Critical),
            ("big/service-plan/s00007", Status::Warning),
            ("big/service/s00013", Status::Critical),
            (
                "big/unexpected/binding/big-app-00001->big-extra",
                Status::Warning
            ),
            ("big/unexpected/service/big-extra", Status::Warning),
        ]
    );
    let ok = v.checks.iter().filter(|c| c.status == Status::Ok).count();
    // n - 1 bindings and n - 1 instances (x3 checks) less the failing ones, 3 summaries.
    assert!(ok > 4 * n - 20, "{ok} OK checks");
    assert!(
        took < std::time::Duration::from_secs(20),
        "verifying {n} instances took {took:?}; expected well under a second in a release build"
    );
}

/// `--api URL` for a model whose environment names another API is allowed (the spec's
/// order), but never silent: the same space name on another foundation is another space.
#[test]
fn an_api_flag_overriding_the_model_s_api_is_warned_about() {
    let out = archcheck()
        .args([
            "verify",
            "models/notify.json",
            "--env",
            "prod",
            "--timeout",
            "1s",
        ])
        .args(["--api", "http://user:pw@127.0.0.1:9/"])
        .env("CF_OAUTH_TOKEN", "bearer t")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: --api overrides the API that models/notify.json gives environment `prod` (https://api.fr.cloud.gov)"),
        "{stderr}"
    );
    assert!(!stderr.contains("pw@"), "{stderr}");
    assert_eq!(out.status.code(), Some(3), "nothing answers: UNKNOWN");
}

/// `archcheck expect` prints what a healthy space would print, with `<user>` and `<broker>`
/// where the model cannot know them. Verifying that text (the generated docs instead of the
/// live space) must never pass: it is refused as expected output, in every CLI layout.
#[test]
fn expected_output_is_never_evidence() {
    for command in ["services", "apps"] {
        for cli in ["v6", "v7", "v8"] {
            let expected = harness::run(
                &[
                    "expect",
                    "models/c2.json",
                    "--env",
                    "staging",
                    "--command",
                    command,
                    "--cli",
                    cli,
                ],
                None,
            );
            assert_eq!(expected.code, Some(0), "{}", expected.stderr);
            let flag = format!("--cf-{command}");
            let (code, doc) = harness::verify_json(
                &["models/c2.json", "--env", "staging", &flag, "-"],
                Some(expected.stdout.as_bytes()),
            );
            assert_eq!(code, Some(3), "{command} {cli}: {doc:#}");
            assert_eq!(doc["status"], "UNKNOWN");
            let text = doc.to_string();
            assert!(
                text.contains("this is archcheck's expected output"),
                "{command} {cli}: {text}"
            );
            // A copy whose user was filled in still shows `<broker>`.
            if command == "services" {
                let edited = expected.stdout.replace("<user>", "deployer@example.gov");
                let (code, doc) = harness::verify_json(
                    &["models/c2.json", "--env", "staging", &flag, "-"],
                    Some(edited.as_bytes()),
                );
                assert_eq!(code, Some(3), "{cli} with a user: {doc:#}");
                assert!(
                    doc.to_string().contains("placeholder `<broker>`"),
                    "{doc:#}"
                );
            }
        }
    }
}

/// A `cf env` file holding the cut-off start of `cf env c2-staging` and then a whole
/// `cf env c2-staging-worker`: the worker's VCAP_SERVICES must never be read as c2-staging's
/// (issue 9, item 1). Each capture starts at its own first line.
#[test]
fn a_cf_env_file_with_two_captures_lends_no_bindings() {
    let worker = std::fs::read_to_string(crate::harness::fixture("cf/env-v8/env.txt")).unwrap();
    let cut_web: String = worker
        .lines()
        .take(12)
        .map(|l| l.replace("app c2-staging-worker in", "app c2-staging in") + "\n")
        .collect();
    let (code, doc) = harness::verify_json(
        &["models/c2.json", "--env", "staging", "--cf-env", "-"],
        Some(format!("{cut_web}{worker}").as_bytes()),
    );
    assert_eq!(code, Some(3), "{doc:#}");
    for id in ["staging/binding/web->db", "staging/binding/web->queue"] {
        let c = harness::check(&doc, id);
        assert_eq!(c["status"], "UNKNOWN", "{id}: {c:#}");
    }
    let text = doc.to_string();
    assert!(text.contains("another capture starts here"), "{text}");
    assert!(!text.contains("SECRET-"), "no credential is quoted: {text}");
}

/// VCAP_APPLICATION names the app and space the capture is of; a first line that says
/// otherwise (edited, or pasted from another capture) refuses the capture.
#[test]
fn a_cf_env_whose_vcap_application_names_another_app_is_refused() {
    let worker = std::fs::read_to_string(crate::harness::fixture("cf/env-v8/env.txt")).unwrap();
    for (from, to, says) in [
        (
            "app c2-staging-worker in",
            "app c2-staging in",
            "app `c2-staging-worker`",
        ),
        ("/ space staging as", "/ space staging as", ""),
    ] {
        let edited = worker.replacen(from, to, 1);
        let (code, doc) = harness::verify_json(
            &["models/c2.json", "--env", "staging", "--cf-env", "-"],
            Some(edited.as_bytes()),
        );
        let text = doc.to_string();
        if says.is_empty() {
            // Unedited: the worker's capture is read.
            assert_ne!(code, Some(3), "{text}");
            assert_eq!(
                harness::status_of(&doc, "staging/binding/worker->db"),
                "OK",
                "{text}"
            );
        } else {
            assert_eq!(code, Some(3), "{text}");
            assert_eq!(
                harness::status_of(&doc, "staging/binding/web->db"),
                "UNKNOWN"
            );
            assert!(text.contains("VCAP_APPLICATION (line "), "{text}");
            assert!(text.contains(says), "{text}");
        }
    }
}

/// Windows PowerShell 5.1's `cf services > file` writes UTF-16LE with a byte order mark: it is
/// decoded and read like any capture (issue 9, item 17).
#[test]
fn e2e_a_utf16_capture_from_powershell_is_read() {
    let text = std::fs::read_to_string(crate::harness::fixture(
        "verify/staging-healthy-services-v8.txt",
    ))
    .unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.replace('\n', "\r\n").encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let r = harness::run(
        &["verify", "models/c2.json", "--cf-services", "-"],
        Some(&utf16),
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("OK: staging: all "), "{}", r.stdout);
}

/// A `cf services` capture cut right after the bound-apps column: an `update failed` instance
/// must not read as OK, and a cut inside the bound-apps cell must not invent a binding to a
/// prefix of a name (`c2-staging-worker` read as `c2-staging`) (issue 9, item 5).
#[test]
fn e2e_services_cut_at_or_inside_bound_apps_is_never_ok() {
    let healthy = std::fs::read_to_string(crate::harness::fixture(
        "verify/staging-healthy-services-v8.txt",
    ))
    .unwrap();
    let failed = healthy.replace("create succeeded", "update failed   ");
    let header = failed.lines().find(|l| l.starts_with("name")).unwrap();
    let bound_at = header.find("bound apps").unwrap();
    let op_at = header.find("last operation").unwrap();
    // Only the rows are cut (the header is whole), as when output stops mid-stream or rows
    // are trimmed one by one; trailing blanks trimmed, as a terminal copy does.
    let cut_rows = |text: &str, width: usize| -> String {
        text.lines()
            .map(|l| {
                let l = if l.starts_with("c2-staging-") {
                    l.chars().take(width).collect::<String>()
                } else {
                    l.to_owned()
                };
                l.trim_end().to_owned() + "\n"
            })
            .collect()
    };
    let after_bound = cut_rows(&failed, op_at);
    // Inside the cell: `c2-staging, c2-staging-worker` cut after `c2-staging`.
    let inside = cut_rows(&healthy, bound_at + "c2-staging".len());
    for (what, capture) in [("after", after_bound), ("inside", inside)] {
        let (code, doc) = harness::verify_json(
            &["models/c2.json", "--cf-services", "-"],
            Some(capture.as_bytes()),
        );
        assert_eq!(code, Some(3), "{what}: {doc:#}");
        for id in [
            "staging/service-operation/db",
            "staging/binding/worker->db",
            "staging/binding/web->db",
        ] {
            assert_eq!(
                harness::status_of(&doc, id),
                "UNKNOWN",
                "{what} {id}: {doc:#}"
            );
        }
        assert!(
            doc.to_string().contains("the line is cut off"),
            "{what}: {doc:#}"
        );
    }
}

// ---- deployments and bindings in effect (issue 10 items 1 and 2), on hand-made observations ----

/// The worker's binding to its queue made at `bound`, its running instances' environments
/// fixed at `since`.
fn bound_at(bound: i64, since: &[i64]) -> Verdict {
    let m = c2();
    let mut o = healthy(&m, "staging");
    instance(&mut o, "c2-staging-redis").bound_at = vec![archcheck::observe::BoundAt {
        app: "c2-staging-worker".into(),
        at: Some(bound),
    }];
    let worker = app(&mut o, "c2-staging-worker");
    worker.running_since = Some(since.to_vec());
    let n = since.len() as u32;
    worker.processes = Some(vec![ProcessCounts {
        process_type: "web".into(),
        running: Some(n),
        desired: n,
    }]);
    verify(&m, &[o])
}

/// Made after every running instance started: CRITICAL with `cf restage`; after some of them
/// only: WARNING for those; within seconds of one: UNKNOWN (cannot be told); before all: OK;
/// and with no running instance the binding is not judged by times at all.
#[test]
fn a_binding_is_in_effect_only_for_instances_started_after_it() {
    const T: i64 = 1_470_348_785; // 2016-08-04T22:13:05Z
    let id = "staging/binding/worker->queue";
    let v = bound_at(T, &[T - 600, T - 60]);
    let c = check(&v, id);
    assert_eq!(c.status, Status::Critical);
    assert_eq!(
        c.message,
        "c2-staging-worker was bound to c2-staging-redis at 22:13 UTC on 2016-08-04 but has not been restarted since: the running app cannot see it"
    );
    assert_eq!(
        c.observed.as_deref(),
        Some("bound at 22:13 UTC on 2016-08-04; 2 running instances, 2 started before it")
    );
    assert_eq!(c.repair.as_deref(), Some("cf restage c2-staging-worker"));

    let v = bound_at(T, &[T - 600, T + 60]);
    let c = check(&v, id);
    assert_eq!(c.status, Status::Warning);
    assert!(
        c.message.starts_with(
            "1 of 2 running instances of c2-staging-worker started before it was bound"
        ),
        "{}",
        c.message
    );
    assert_eq!(c.repair.as_deref(), Some("cf restage c2-staging-worker"));

    let v = bound_at(T, &[T + 1]);
    assert_eq!(check(&v, id).status, Status::Unknown, "{:?}", check(&v, id));

    let v = bound_at(T, &[T + 60, T + 61]);
    assert_eq!(check(&v, id).status, Status::Ok);
    let v = bound_at(T, &[]);
    assert_eq!(check(&v, id).status, Status::Ok);
}

/// A deployment in flight makes the app's instance check pending, whatever the counts: a
/// WARNING without a repair, saying how far it got; a canceled last deployment is a WARNING
/// that says so; a type listed twice with the deployments unreadable is UNKNOWN when short.
#[test]
fn deployments_decide_the_instance_check() {
    use archcheck::observe::{DeploymentSeen, DeploymentState, DeploymentView};
    let m = c2();
    let seen = |state, new: Option<(u32, u32)>| {
        DeploymentView::Seen(DeploymentSeen {
            guid: "d".into(),
            state,
            strategy: "rolling".into(),
            age_secs: Some(40),
            error: None,
            new_instances: new,
            web_instances: None,
        })
    };
    let web = |r, d| ProcessCounts {
        process_type: "web".into(),
        running: Some(r),
        desired: d,
    };
    let run = |processes: Vec<ProcessCounts>, deployment: DeploymentView| {
        let mut o = healthy(&m, "prod");
        let a = app(&mut o, "c2-prod");
        a.processes = Some(processes);
        a.deployment = deployment;
        let v = verify(&m, &[o]);
        check(&v, "prod/app-instances/web").clone()
    };
    let c = run(
        vec![web(1, 1), web(1, 2)],
        seen(DeploymentState::Deploying, Some((1, 2))),
    );
    assert_eq!(c.status, Status::Warning);
    assert_eq!(
        c.message,
        "deploying: 1 of 2 new web instances running (rolling, started 40 s ago)"
    );
    assert_eq!((c.repair, c.impact), (None, None));
    // Even none running, mid-deployment: pending, not CRITICAL.
    let c = run(
        vec![web(0, 0), web(0, 1)],
        seen(DeploymentState::Canceling, Some((0, 1))),
    );
    assert_eq!(c.status, Status::Warning);
    assert!(
        c.message.starts_with("deployment being canceled"),
        "{}",
        c.message
    );

    let c = run(vec![web(2, 2)], seen(DeploymentState::Canceled, None));
    assert_eq!(c.status, Status::Warning);
    assert_eq!(
        c.message,
        "the last deployment of c2-prod (rolling, started 40 s ago) was canceled: c2-prod runs what it ran before it"
    );
    assert_eq!(c.pending, None);

    let unreadable = DeploymentView::Unreadable {
        reason: "deployments: 403".into(),
    };
    let c = run(vec![web(2, 2), web(0, 1)], unreadable.clone());
    assert_eq!(c.status, Status::Unknown);
    assert_eq!(c.repair, None);
    // Counted together and all running, still UNKNOWN: two web processes say a deployment
    // is in flight (a deploy gate must not pass it as OK) or ended in a way not known.
    let c = run(vec![web(1, 1), web(1, 1)], unreadable.clone());
    assert_eq!(c.status, Status::Unknown, "{c:?}");
    assert_eq!(c.repair, None);
    // The same for one web process whose last deployment is not understood.
    let c = run(vec![web(2, 2)], unreadable);
    assert_eq!(c.status, Status::Unknown, "{c:?}");
    assert_eq!(
        c.message,
        "how the last deployment of c2-prod went could not be read"
    );
    // Settled (the newest deployment was DEPLOYED), counted together: a shortfall is one.
    let c = run(vec![web(1, 1), web(0, 1)], DeploymentView::Settled);
    assert_eq!(c.status, Status::Warning);
    assert!(c.repair.unwrap().contains("cf restart"));
}
