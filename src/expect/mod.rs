//! What a healthy space prints for `cf services` and `cf apps`, in each cf CLI version's exact
//! layout (`tests/fixtures/reference/cf-cli-output.md`), generated from the model.
//!
//! This module owns the *expected text*; [`crate::observe::cf_text`] owns reading real text
//! back, and every expected output parses back into an observation equal to the model
//! (tested for every model, environment and CLI version).
//!
//! Layouts: `--cli v6` is cf CLI v6.45 to v6.53 (`cf services` with the `broker` and
//! `upgrade available` columns; `cf apps` with `OK` after the first line and the columns
//! `instances`, `memory`, `disk`, `urls`, v6's legacy table: widths by its `visibleSize`,
//! trailing spaces trimmed); `--cli v7` and `--cli v8` are the v7 and v8 layouts.
//!
//! # Placeholders: cells the model cannot know
//!
//! | cell | printed | why |
//! |---|---|---|
//! | user in the first line | `<user>` | the user name comes from the token of whoever runs `cf` |
//! | broker of a managed instance | the model's `broker`, else `<broker>` | brokers are foundation-specific |
//! | upgrade available (managed) | `no` | a healthy instance is on its plan's current version |
//! | last operation | `create succeeded` (v6/v7: empty for user-provided) | a healthy instance's last operation succeeded; `cf` cannot tell a create from an update, the model cannot either |
//! | offering / plan of a managed instance without one | `<offering>` / `<plan>` | (the model validates both, so this should not happen) |
//! | `memory` / `disk` (v6 `cf apps`) without a value in the model | `1G` | Cloud Foundry's default quota |
//!
//! Rows: instances and apps sorted by name case-insensitively (the order the CLI prints).
//! Bound apps: sorted case-insensitively for v6/v7; in model order for v8 (v8 keeps the API's
//! order, which the model cannot know). Processes: one `web` process per app, running = desired
//! = the model's `instances` (`cf push` gives every app a `web` process, the worker too).
//! Routes: the model's routes in model order, joined by `, `.

mod apps;
mod services;

use crate::cf_layout::{CfCommand, CliVersion};
use crate::model::Environment;

/// The placeholder for the user in the first line.
pub const USER_PLACEHOLDER: &str = "<user>";
/// The placeholder for a managed instance's broker when the model does not name one.
pub const BROKER_PLACEHOLDER: &str = "<broker>";

/// The full text the cf CLI prints for a healthy `env`, first line included.
pub fn expected_output(env: &Environment, command: CfCommand, cli: CliVersion) -> String {
    match command {
        CfCommand::Services => services::expected(env, cli),
        CfCommand::Apps => apps::expected(env, cli),
    }
}

/// Case-insensitive order with a byte-order tie break, as the CLI's `sorting.LessIgnoreCase`.
pub(crate) fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    let lower = if a.is_ascii() && b.is_ascii() {
        // The same order without two new strings a comparison (a sort of 2,000 names makes
        // about 20,000 comparisons).
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.to_lowercase().cmp(&b.to_lowercase())
    };
    lower.then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::cmp_ignore_case;

    #[test]
    fn ascii_names_sort_as_their_lowercase_strings_do() {
        let names = [
            "a", "B", "b", "A", "a-1", "A_1", "Zeta", "zeta", "z", "", "ab", "aB", "Ä", "ä", "É1",
        ];
        for a in names {
            for b in names {
                let expected = a
                    .to_lowercase()
                    .cmp(&b.to_lowercase())
                    .then_with(|| a.cmp(b));
                assert_eq!(cmp_ignore_case(a, b), expected, "{a:?} vs {b:?}");
            }
        }
    }
}
