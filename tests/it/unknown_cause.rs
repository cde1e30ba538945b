//! Why a check is UNKNOWN is data on the check, set where the UNKNOWN is decided: one test per
//! path to UNKNOWN, each asserting the cause, and that no other check carries one.

use crate::verify::{app, apps_mut, c2, check, healthy, instance, services_mut};
use archcheck::observe::{AppEnvSeen, Coverage, Observation};
use archcheck::verify::{Detail, Status, UnknownCause, Unseen, Verdict, verify};

fn failed(reason: &str) -> UnknownCause {
    UnknownCause::Unseen(Unseen::SourceFailed {
        reason: reason.into(),
    })
}

/// The cause of check `id`, which must be UNKNOWN.
fn cause(v: &Verdict, id: &str) -> UnknownCause {
    let c = check(v, id);
    assert_eq!(c.status, Status::Unknown, "{c:#?}");
    c.cause
        .clone()
        .unwrap_or_else(|| panic!("no cause: {c:#?}"))
}

/// Every UNKNOWN check has a cause and no other check has one; a shared reason is what its
/// `could not see ...: REASON` message ends with.
fn causes_are_consistent(v: &Verdict) {
    for c in &v.checks {
        assert_eq!(c.status == Status::Unknown, c.cause.is_some(), "{c:#?}");
        if let Some(reason) = c.shared_reason() {
            assert!(c.message.starts_with("could not see "), "{c:#?}");
            assert!(c.message.ends_with(&format!(": {reason}")), "{c:#?}");
        }
    }
}

fn verified(o: Observation) -> Verdict {
    let v = verify(&c2(), &[o]);
    causes_are_consistent(&v);
    v
}

#[test]
fn a_failed_services_source_is_the_cause_of_every_check_that_needs_it() {
    let mut o = healthy(&c2(), "staging");
    o.services = Coverage::Unavailable {
        reason: "API timed out after 60s".into(),
    };
    let v = verified(o);
    for id in [
        "staging/service/db",
        "staging/service-plan/db",
        "staging/service-operation/db",
        "staging/binding/web->db",
        "staging/unexpected/services",
        "staging/unexpected/bindings",
    ] {
        assert_eq!(cause(&v, id), failed("API timed out after 60s"), "{id}");
    }
    assert_eq!(check(&v, "staging/app/web").cause, None);
}

#[test]
fn a_failed_apps_source_is_the_cause_of_every_app_check() {
    let mut o = healthy(&c2(), "staging");
    o.apps = Coverage::Unavailable {
        reason: "capture is of space other".into(),
    };
    let v = verified(o);
    for id in [
        "staging/app/web",
        "staging/app-instances/web",
        "staging/app-routes/web",
        "staging/unexpected/apps",
    ] {
        assert_eq!(cause(&v, id), failed("capture is of space other"), "{id}");
    }
}

#[test]
fn an_absence_behind_an_unreadable_line_names_the_gaps() {
    let mut o = healthy(&c2(), "staging");
    let s = services_mut(&mut o);
    s.instances.retain(|s| s.name != "c2-staging-redis");
    s.gaps.push("line 7 not understood".into());
    apps_mut(&mut o).apps.retain(|a| a.name != "c2-staging");
    apps_mut(&mut o).gaps.push("line 3 not understood".into());
    let v = verified(o);
    let services = UnknownCause::Unseen(Unseen::Unreadable {
        gaps: vec!["line 7 not understood".into()],
    });
    let apps = UnknownCause::Unseen(Unseen::Unreadable {
        gaps: vec!["line 3 not understood".into()],
    });
    assert_eq!(cause(&v, "staging/service/queue"), services);
    assert_eq!(cause(&v, "staging/binding/worker->queue"), services);
    assert_eq!(cause(&v, "staging/unexpected/services"), services);
    assert_eq!(cause(&v, "staging/unexpected/bindings"), services);
    assert_eq!(cause(&v, "staging/app/web"), apps);
    assert_eq!(cause(&v, "staging/app-routes/web"), apps);
    assert_eq!(cause(&v, "staging/unexpected/apps"), apps);
    // What was seen despite the gaps is decided.
    assert_eq!(check(&v, "staging/service/db").status, Status::Ok);
}

#[test]
fn hidden_bindings_are_the_cause_of_the_binding_checks() {
    let mut o = healthy(&c2(), "staging");
    let reason = "`cf services --no-apps` hides bound apps";
    services_mut(&mut o).bindings_hidden = Some(reason.into());
    let v = verified(o);
    let hidden = UnknownCause::Unseen(Unseen::BindingsHidden {
        reason: reason.into(),
    });
    assert_eq!(cause(&v, "staging/binding/worker->queue"), hidden);
    assert_eq!(cause(&v, "staging/unexpected/bindings"), hidden);
    assert_eq!(check(&v, "staging/service/queue").cause, None);
}

#[test]
fn an_unreadable_cf_env_is_the_cause_and_with_a_failed_source_both_are() {
    let unreadable = Unseen::AppEnvUnreadable {
        app: "c2-staging-worker".into(),
        reason: "VCAP_SERVICES is cut off".into(),
    };
    let env = || AppEnvSeen {
        app: "c2-staging-worker".into(),
        bound_instances: Coverage::Unavailable {
            reason: "VCAP_SERVICES is cut off".into(),
        },
    };

    let mut o = healthy(&c2(), "staging");
    o.services = Coverage::NotCovered;
    o.app_envs.push(env());
    let v = verified(o);
    let alone = UnknownCause::Unseen(unreadable.clone());
    assert_eq!(cause(&v, "staging/binding/worker->queue"), alone);
    assert_eq!(
        cause(&v, "staging/unexpected/app-env/c2-staging-worker"),
        alone
    );

    let mut o = healthy(&c2(), "staging");
    o.services = Coverage::Unavailable {
        reason: "API timed out after 60s".into(),
    };
    o.app_envs.push(env());
    let v = verified(o);
    let both = UnknownCause::Unseen(Unseen::Several(vec![
        Unseen::SourceFailed {
            reason: "API timed out after 60s".into(),
        },
        unreadable,
    ]));
    let c = check(&v, "staging/binding/worker->queue");
    assert_eq!(c.cause, Some(both));
    assert_eq!(
        c.message,
        "could not see whether c2-staging-worker is bound to c2-staging-redis: API timed out after 60s; `cf env c2-staging-worker` could not be read: VCAP_SERVICES is cut off"
    );
}

#[test]
fn a_detail_the_source_does_not_show_is_the_cause_of_that_check_alone() {
    let mut o = healthy(&c2(), "staging");
    app(&mut o, "c2-staging").routes = None;
    instance(&mut o, "c2-staging-db").offering = None;
    app(&mut o, "c2-staging-worker").processes = None;
    let v = verified(o);
    let not_shown = |d| UnknownCause::NotShown(d);
    assert_eq!(
        cause(&v, "staging/app-routes/web"),
        not_shown(Detail::Routes)
    );
    assert_eq!(
        cause(&v, "staging/service-plan/db"),
        not_shown(Detail::OfferingOrPlan)
    );
    assert_eq!(
        cause(&v, "staging/app-instances/worker"),
        not_shown(Detail::Processes)
    );
    for id in [
        "staging/app-routes/web",
        "staging/service-plan/db",
        "staging/app-instances/worker",
    ] {
        assert_eq!(check(&v, id).shared_reason(), None, "{id}");
    }
}

#[test]
fn an_unshown_state_or_count_is_the_cause_unless_a_worse_finding_decides() {
    let mut o = healthy(&c2(), "staging");
    app(&mut o, "c2-staging").state = None;
    for p in app(&mut o, "c2-staging-worker")
        .processes
        .iter_mut()
        .flatten()
    {
        p.running = None;
    }
    let v = verified(o);
    assert_eq!(
        cause(&v, "staging/app/web"),
        UnknownCause::NotShown(Detail::AppState)
    );
    assert_eq!(
        cause(&v, "staging/app-instances/web"),
        UnknownCause::NotShown(Detail::RequestedState)
    );
    assert_eq!(
        cause(&v, "staging/app-instances/worker"),
        UnknownCause::NotShown(Detail::RunningInstances)
    );

    // An unshown count beside a process with none running: CRITICAL, so no cause.
    let mut o = healthy(&c2(), "staging");
    let procs = app(&mut o, "c2-staging-worker").processes.as_mut().unwrap();
    procs[0].running = Some(0);
    procs.push(archcheck::observe::ProcessCounts {
        process_type: "clock".into(),
        running: None,
        desired: 1,
    });
    let v = verified(o);
    let c = check(&v, "staging/app-instances/worker");
    assert_eq!(c.status, Status::Critical, "{c:#?}");
    assert_eq!(c.cause, None);
}

#[test]
fn cf_env_of_an_app_the_model_lacks_is_not_used() {
    let mut o = healthy(&c2(), "staging");
    o.app_envs.push(AppEnvSeen {
        app: "stray".into(),
        bound_instances: Coverage::Unavailable {
            reason: "no VCAP_SERVICES".into(),
        },
    });
    let v = verified(o);
    assert_eq!(
        cause(&v, "staging/unexpected/app-env/stray"),
        UnknownCause::AppEnvNotUsed {
            app: "stray".into(),
            reason: "no VCAP_SERVICES".into()
        }
    );
    assert_eq!(
        check(&v, "staging/unexpected/app-env/stray").shared_reason(),
        None
    );
}

#[test]
fn an_environment_the_model_lacks_is_the_cause() {
    let mut o = healthy(&c2(), "staging");
    o.environment = "qa".into();
    let v = verified(o);
    assert_eq!(
        cause(&v, "qa/unexpected/environment/qa"),
        UnknownCause::UnknownEnvironment { name: "qa".into() }
    );
}
