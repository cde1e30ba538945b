//! Checks of each model service instance: it exists, its offering and plan, its last
//! operation.

use crate::model::{Environment, Model, Service};
use crate::observe::{ObservedService, OperationState};
use crate::verify::cause::{Detail, UnknownCause};
use crate::verify::check_builder::new_check;
use crate::verify::evidence::{Lookup, SERVICES_NOT_COVERED};
use crate::verify::index::Index;
use crate::verify::{Check, CheckKind, Element, Status, repair};

pub(crate) fn check_service(
    _model: &Model,
    env: &Environment,
    idx: &Index,
    service: &Service,
    out: &mut Vec<Check>,
) {
    let element = || Element::Service {
        id: service.id.clone(),
    };
    let exists = new_check(
        env,
        CheckKind::ServiceExists,
        &service.id,
        &service.name,
        element(),
    )
    .expected(format!("instance {} exists", service.name));
    let plan = new_check(
        env,
        CheckKind::ServicePlan,
        &service.id,
        &service.name,
        element(),
    )
    .expected(expected_plan(service));
    let operation = new_check(
        env,
        CheckKind::ServiceOperation,
        &service.id,
        &service.name,
        element(),
    )
    .expected("last operation succeeded, or none");

    match idx.find_service(&service.name) {
        Lookup::NotCovered => {
            out.push(exists.with(Status::NotChecked, SERVICES_NOT_COVERED));
            out.push(plan.with(Status::NotChecked, SERVICES_NOT_COVERED));
            out.push(operation.with(Status::NotChecked, SERVICES_NOT_COVERED));
        }
        Lookup::Unknown(unseen) => {
            let whether = format!("whether {} exists", service.name);
            out.push(exists.could_not_see(&whether, unseen.clone()));
            out.push(plan.could_not_see(&service.name, unseen.clone()));
            out.push(operation.could_not_see(&service.name, unseen));
        }
        Lookup::Missing => {
            out.push(
                exists
                    .with(
                        Status::Critical,
                        format!("service instance {} is missing", service.name),
                    )
                    .observed("no instance of that name in the space")
                    .fix(
                        Some(repair::service_impact(env, service)),
                        Some(repair::create_service(service)),
                    ),
            );
            let dep = "the instance does not exist (see its service check)".to_owned();
            out.push(plan.with(Status::NotChecked, dep.clone()));
            out.push(operation.with(Status::NotChecked, dep));
        }
        Lookup::Found(seen) => {
            out.push(
                exists
                    .with(Status::Ok, format!("{} exists", service.name))
                    .observed("exists"),
            );
            out.push(check_plan(env, service, seen, plan));
            out.push(check_operation(env, service, seen, operation));
        }
    }
}

fn expected_plan(service: &Service) -> String {
    if service.user_provided {
        return "user-provided".to_owned();
    }
    format!(
        "offering {}, plan {}",
        service.offering.as_deref().unwrap_or("(any)"),
        service.plan.as_deref().unwrap_or("(any)")
    )
}

fn observed_plan(seen: &ObservedService) -> String {
    if seen.user_provided {
        return "user-provided".to_owned();
    }
    format!(
        "offering {}, plan {}",
        seen.offering.as_deref().unwrap_or("(not shown)"),
        seen.plan.as_deref().unwrap_or("(not shown)")
    )
}

fn check_plan(env: &Environment, service: &Service, seen: &ObservedService, c: Check) -> Check {
    let c = c.observed(observed_plan(seen));
    let name = &service.name;
    // Only a failing plan check carries an impact, and finding the bound apps walks every
    // binding of the environment: computed only then (10,000 instances made this cubic).
    let impact = || {
        Some(format!(
            "apps bound to {name} get a different service than the model describes: {}",
            repair::service_impact(env, service)
        ))
    };
    if service.user_provided != seen.user_provided {
        let msg = if service.user_provided {
            format!("{name} is a managed instance; the model says user-provided")
        } else {
            format!("{name} is user-provided; the model says a managed instance")
        };
        return c
            .with(Status::Warning, msg)
            .fix(impact(), Some(repair::create_service(service)));
    }
    if service.user_provided {
        return c.with(Status::Ok, format!("{name} is user-provided"));
    }
    let mut differs = Vec::new();
    let mut unseen = Vec::new();
    for (what, want, got) in [
        ("offering", &service.offering, &seen.offering),
        ("plan", &service.plan, &seen.plan),
    ] {
        match (want, got) {
            (Some(w), Some(g)) if w != g => differs.push(format!("{what} is {g}, not {w}")),
            (Some(_), None) => unseen.push(what),
            _ => {}
        }
    }
    if !differs.is_empty() {
        let offering_differs =
            matches!((&service.offering, &seen.offering), (Some(w), Some(g)) if w != g);
        let fix = match (&service.plan, offering_differs) {
            (Some(p), false) => Some(format!("cf update-service {name} -p {p}")),
            // An offering cannot change in place: a new instance, then move the bindings.
            _ => Some(format!(
                "{}-new  (then bind it in place of {name})",
                repair::create_service(service)
            )),
        };
        return c
            .with(Status::Warning, format!("{name}: {}", differs.join(", ")))
            .fix(impact(), fix);
    }
    if !unseen.is_empty() {
        return c.unknown(
            UnknownCause::NotShown(Detail::OfferingOrPlan),
            format!(
                "the source does not show the {} of {name}",
                unseen.join(" and ")
            ),
        );
    }
    c.with(
        Status::Ok,
        format!("{name} has the expected offering and plan"),
    )
}

fn check_operation(
    env: &Environment,
    service: &Service,
    seen: &ObservedService,
    c: Check,
) -> Check {
    let name = &service.name;
    let Some(op) = &seen.last_operation else {
        // cf v6/v7 print no last operation for user-provided instances; none is no failure.
        return c.observed("none shown").with(
            Status::Ok,
            format!("{name} shows no pending or failed operation"),
        );
    };
    let c = c.observed(op.to_string());
    let diagnose = format!("cf service {name}");
    match op.state {
        OperationState::Succeeded => c.with(Status::Ok, format!("{name}: {op}")),
        OperationState::Failed => c
            .with(Status::Critical, format!("{name}: last operation {op}"))
            .fix(
                Some(format!(
                    "{name} may not work: {}",
                    repair::service_impact(env, service)
                )),
                Some(format!(
                    "{diagnose}  (shows the broker's message; then retry the {})",
                    op.kind
                )),
            ),
        OperationState::InProgress | OperationState::Initial => {
            let what = if op.kind == "delete" {
                format!("{name} is being deleted: {op}")
            } else {
                format!("{name}: {op}")
            };
            c.with(Status::Warning, what)
                .fix(
                    Some(format!(
                        "until it finishes, {name} may not serve: {}",
                        repair::service_impact(env, service)
                    )),
                    Some(format!("{diagnose}  (watch until it succeeds)")),
                )
                .pending(format!("the {} of {name} ({op})", op.kind))
        }
    }
}
