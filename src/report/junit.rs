//! The JUnit XML report (quick-junit): a test suite per environment, a test case per check.
//! WARNING and CRITICAL are failures, UNKNOWN is an error, not checked is skipped.
//!
//! A consumer that reads only the totals never sees green for a run that is not OK: an
//! environment whose status is worse than any of its checks (nothing was observed, so every
//! check was skipped) gets one more test case, `ENV/evidence`, carrying that status.

use super::Reporter;
use crate::model::Model;
use crate::verify::{Check, EnvironmentVerdict, Status, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

pub(crate) struct JunitReport;

impl Reporter for JunitReport {
    fn report(&self, verdict: &Verdict, model: &Model) -> anyhow::Result<Vec<u8>> {
        let mut report = Report::new(format!("archcheck verify {}", verdict.system));
        let unreviewed = super::unreviewed_observed(model);
        for env in &verdict.environments {
            let mut suite = TestSuite::new(env.name.clone());
            suite.add_property(("status", env.status.as_str()));
            if !unreviewed.is_empty() {
                suite.add_property(("unreviewed_observed", unreviewed.join(", ").as_str()));
            }
            for (i, s) in env.sources.iter().enumerate() {
                suite.add_property((format!("source.{}", i + 1), s.clone()));
            }
            let checks: Vec<&Check> = verdict.checks_for(&env.name).collect();
            for c in &checks {
                suite.add_test_case(test_case(c));
            }
            if let Some(tc) = environment_case(env, &checks) {
                suite.add_test_case(tc);
            }
            report.add_test_suite(suite);
        }
        let mut bytes = Vec::new();
        report.serialize(&mut bytes)?;
        if !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        Ok(bytes)
    }
}

/// The test case that carries an environment's status when no check does: an error for
/// UNKNOWN, a failure for WARNING or CRITICAL, naming why the checks were not made.
fn environment_case(env: &EnvironmentVerdict, checks: &[&Check]) -> Option<TestCase> {
    let worst_check = checks
        .iter()
        .map(|c| c.status.severity())
        .max()
        .unwrap_or(0);
    if env.status.severity() <= worst_check || matches!(env.status, Status::Ok | Status::NotChecked)
    {
        return None;
    }
    let mut reasons: Vec<&str> = Vec::new();
    for c in checks.iter().filter(|c| c.status == Status::NotChecked) {
        if !reasons.contains(&c.message.as_str()) {
            reasons.push(&c.message);
        }
    }
    let why = if reasons.is_empty() {
        "nothing was observed".to_owned()
    } else {
        reasons.join("; ")
    };
    let kind = if env.status == Status::Unknown {
        NonSuccessKind::Error
    } else {
        NonSuccessKind::Failure
    };
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(format!(
        "{}: {}: no check could be made: {why}",
        env.name, env.status
    ));
    status.set_type(env.status.as_str());
    let mut tc = TestCase::new(format!("{}/evidence", env.name), status);
    tc.set_classname(format!("{}.evidence", env.name));
    Some(tc)
}

fn test_case(c: &Check) -> TestCase {
    let status = match c.status {
        Status::Ok => TestCaseStatus::success(),
        Status::NotChecked => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(c.message.clone());
            s
        }
        Status::Warning | Status::Critical | Status::Unknown => {
            let kind = if c.status == Status::Unknown {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(c.message.clone());
            s.set_type(c.status.as_str());
            s.set_description(details(c));
            s
        }
    };
    let mut tc = TestCase::new(c.id.clone(), status);
    tc.set_classname(format!("{}.{}", c.environment, c.kind.id_word()));
    tc
}

/// The body of a failure or error: expected, observed, impact, repair, cause.
fn details(c: &Check) -> String {
    let mut lines = Vec::new();
    for (label, v) in [
        ("expected", &c.expected),
        ("observed", &c.observed),
        ("impact", &c.impact),
        ("repair", &c.repair),
    ] {
        if let Some(v) = v {
            lines.push(format!("{label}: {v}"));
        }
    }
    if let Some(e) = &c.explained {
        lines.push(format!("cause: {}", e.text));
    }
    lines.join("\n")
}
