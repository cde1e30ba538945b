//! Why a check is UNKNOWN, as data on the check ([`Check::cause`](crate::verify::Check)), set
//! where the UNKNOWN is decided. Reports group UNKNOWN checks by it; nothing reads it back
//! from a check's message.

/// Why a check could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownCause {
    /// A source could not show the part the check needs. Every check that needs the part
    /// shares the cause, and reports list such checks once, under the shared reason.
    Unseen(Unseen),
    /// The source showed the thing but not the detail the check is about.
    NotShown(Detail),
    /// `cf env APP` output was given for an app the model lacks and could not be used.
    AppEnvNotUsed {
        /// The app named by the output.
        app: String,
        /// Why it was not used.
        reason: String,
    },
    /// The observation is of an environment the model lacks.
    UnknownEnvironment {
        /// The environment's name.
        name: String,
    },
}

/// Why a source could not show a part (instances, apps, bindings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unseen {
    /// The source of the part was given and failed or was refused: an API error or timeout,
    /// a capture archcheck refuses (another space, an unknown layout, unreadable text).
    /// `reason` is the source's phrase.
    SourceFailed {
        /// The source's phrase, e.g. `API timeout`.
        reason: String,
    },
    /// The part was read, but pieces of the source could not be, and might hold the answer.
    Unreadable {
        /// What could not be read.
        gaps: Vec<String>,
    },
    /// The source hides bindings (e.g. `cf services --no-apps`, a refused bindings request).
    BindingsHidden {
        /// How they are hidden.
        reason: String,
    },
    /// `cf env APP` output was given but could not be read.
    AppEnvUnreadable {
        /// The app.
        app: String,
        /// Why it could not be read.
        reason: String,
    },
    /// Several sources show the part and none could answer, each for its own cause.
    Several(Vec<Unseen>),
}

/// A detail of an observed app or instance that a source may leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Whether the app is started.
    AppState,
    /// The app's processes and their instances (e.g. `cf apps --no-stats`).
    Processes,
    /// How many instances of a process run.
    RunningInstances,
    /// The app's requested state, without which running counts prove nothing.
    RequestedState,
    /// The app's routes.
    Routes,
    /// The instance's offering or plan.
    OfferingOrPlan,
    /// Whether the running instances started after a binding was created.
    BindingInEffect,
}

impl Unseen {
    /// The phrase for a report: what made the part unseen.
    pub fn reason(&self) -> String {
        match self {
            Unseen::SourceFailed { reason } | Unseen::BindingsHidden { reason } => reason.clone(),
            Unseen::Unreadable { gaps } => {
                format!("part of the source could not be read: {}", gaps.join("; "))
            }
            Unseen::AppEnvUnreadable { app, reason } => {
                format!("`cf env {app}` could not be read: {reason}")
            }
            Unseen::Several(all) => all
                .iter()
                .map(Unseen::reason)
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// One cause for what several sources said: the only one, or all of them.
    pub(crate) fn of_all(mut all: Vec<Unseen>) -> Option<Unseen> {
        match all.len() {
            0 => None,
            1 => all.pop(),
            _ => Some(Unseen::Several(all)),
        }
    }
}

impl UnknownCause {
    /// The reason this check shares with others that could not be made, for a report to
    /// name once; `None` for a cause of this check alone.
    pub fn shared_reason(&self) -> Option<String> {
        match self {
            UnknownCause::Unseen(u) => Some(u.reason()),
            UnknownCause::NotShown(_)
            | UnknownCause::AppEnvNotUsed { .. }
            | UnknownCause::UnknownEnvironment { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(r: &str) -> Unseen {
        Unseen::SourceFailed { reason: r.into() }
    }

    #[test]
    fn reasons_read_as_before() {
        assert_eq!(failed("API timed out").reason(), "API timed out");
        assert_eq!(
            Unseen::Unreadable {
                gaps: vec!["line 7".into(), "line 9".into()]
            }
            .reason(),
            "part of the source could not be read: line 7; line 9"
        );
        assert_eq!(
            Unseen::AppEnvUnreadable {
                app: "a".into(),
                reason: "cut off".into()
            }
            .reason(),
            "`cf env a` could not be read: cut off"
        );
        assert_eq!(
            Unseen::Several(vec![failed("x"), failed("y")]).reason(),
            "x; y"
        );
    }

    #[test]
    fn of_all_is_the_only_cause_or_all_of_them() {
        assert_eq!(Unseen::of_all(vec![]), None);
        assert_eq!(Unseen::of_all(vec![failed("x")]), Some(failed("x")));
        assert_eq!(
            Unseen::of_all(vec![failed("x"), failed("y")]),
            Some(Unseen::Several(vec![failed("x"), failed("y")]))
        );
    }

    #[test]
    fn only_an_unseen_part_is_shared() {
        assert_eq!(
            UnknownCause::Unseen(failed("x")).shared_reason().as_deref(),
            Some("x")
        );
        assert_eq!(UnknownCause::NotShown(Detail::Routes).shared_reason(), None);
        let not_used = UnknownCause::AppEnvNotUsed {
            app: "a".into(),
            reason: "r".into(),
        };
        assert_eq!(not_used.shared_reason(), None);
        let env = UnknownCause::UnknownEnvironment { name: "qa".into() };
        assert_eq!(env.shared_reason(), None);
    }
}
