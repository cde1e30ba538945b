//! The JUnit XML report (quick-junit): a test suite per environment, a test case per check.
//! WARNING and CRITICAL are failures, UNKNOWN is an error, not checked is skipped.

use super::Reporter;
use crate::model::Model;
use crate::verify::{Check, Status, Verdict};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

pub struct JunitReport;

impl Reporter for JunitReport {
    fn report(&self, verdict: &Verdict, _model: &Model) -> anyhow::Result<Vec<u8>> {
        let mut report = Report::new(format!("archcheck verify {}", verdict.system));
        for env in &verdict.environments {
            let mut suite = TestSuite::new(env.name.clone());
            suite.add_property(("status", env.status.as_str()));
            for (i, s) in env.sources.iter().enumerate() {
                suite.add_property((format!("source.{}", i + 1), s.clone()));
            }
            for c in verdict.checks_for(&env.name) {
                suite.add_test_case(test_case(c));
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

/// The body of a failure or error: expected, observed, impact, repair.
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
    lines.join("\n")
}
