//! Small builders for [`Check`]s, so each check reads as one expression.

use crate::model::Environment;
use crate::verify::cause::{UnknownCause, Unseen};
use crate::verify::{Check, CheckKind, Element, Status};

/// A new check of `kind` about `key` (model ids, or CF names for extras), not yet decided.
pub(crate) fn new_check(
    env: &Environment,
    kind: CheckKind,
    key: &str,
    subject: impl Into<String>,
    element: Element,
) -> Check {
    let id = format!("{}/{}/{}", env.name, kind.id_word(), key);
    check_with_id(id, &env.name, kind, subject, element)
}

/// A new check with this id, not yet decided: the one place a [`Check`] is built field by
/// field.
pub(crate) fn check_with_id(
    id: String,
    environment: &str,
    kind: CheckKind,
    subject: impl Into<String>,
    element: Element,
) -> Check {
    Check {
        id,
        environment: environment.to_owned(),
        kind,
        subject: subject.into(),
        status: Status::NotChecked,
        expected: None,
        observed: None,
        message: String::new(),
        impact: None,
        repair: None,
        pending: None,
        explained: None,
        element,
        cause: None,
    }
}

impl Check {
    /// Decides the check with any status but UNKNOWN, which has a cause: [`Check::unknown`].
    pub(crate) fn with(mut self, status: Status, message: impl Into<String>) -> Check {
        debug_assert!(
            status != Status::Unknown,
            "an UNKNOWN check needs its cause"
        );
        self.status = status;
        self.message = message.into();
        self
    }
    /// Decides the check UNKNOWN, for `cause`.
    pub(crate) fn unknown(mut self, cause: UnknownCause, message: impl Into<String>) -> Check {
        self.status = Status::Unknown;
        self.message = message.into();
        self.cause = Some(cause);
        self
    }
    /// Decides the check UNKNOWN because a source could not show `what`: the message is
    /// `could not see WHAT: REASON`.
    pub(crate) fn could_not_see(self, what: &str, unseen: Unseen) -> Check {
        let message = format!("could not see {what}: {}", unseen.reason());
        self.unknown(UnknownCause::Unseen(unseen), message)
    }
    pub(crate) fn expected(mut self, text: impl Into<String>) -> Check {
        self.expected = Some(text.into());
        self
    }
    pub(crate) fn observed(mut self, text: impl Into<String>) -> Check {
        self.observed = Some(text.into());
        self
    }
    /// Marks the check pending: `what` may settle it on its own (see [`Check::pending`]).
    pub(crate) fn pending(mut self, what: impl Into<String>) -> Check {
        self.pending = Some(what.into());
        self
    }
    /// Sets impact and repair, only where the check failed (an OK check repairs nothing).
    pub(crate) fn fix(mut self, impact: Option<String>, repair: Option<String>) -> Check {
        if matches!(self.status, Status::Warning | Status::Critical) {
            self.impact = impact;
            self.repair = repair;
        }
        self
    }
}
