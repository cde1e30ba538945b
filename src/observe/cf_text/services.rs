//! `cf services`: every layout of the reference (v6 up to 6.34 with `OK`, 6.35-6.42,
//! 6.43-6.44 with `broker`, 6.45-6.53 and v7 with `upgrade available`, v8 with `offering`,
//! and v8 `--no-apps` without `bound apps`).

use super::frame::{self, Body, Frame, Want};
use super::header::Command;
use super::lines::excerpt;
use super::{Capture, finish};
use crate::observe::{LastOperation, ObservedService, OperationState, ServicesSeen};

const WANT: Want = Want {
    name: "`cf services`",
    commands: &[Command::ServicesV6V7, Command::ServicesV8],
    first_line: "Getting services in org O / space S as U...",
    columns: &[
        "name",
        "service",
        "offering",
        "plan",
        "bound apps",
        "last operation",
        "broker",
        "upgrade available",
        // cf v6.9 only, in place of `last operation`: refused, saying so.
        "status",
    ],
    empty: &[
        "No services found",
        "No service instances found.",
        "No service instances found",
        "No services found.",
    ],
};

pub(crate) fn parse(text: &str) -> Capture<ServicesSeen> {
    let Frame {
        target,
        command,
        ok_line,
        warnings,
        body,
        gaps,
    } = match frame::read(text, &WANT) {
        Ok(f) => f,
        Err(reason) => return Capture::unavailable(reason),
    };
    let mut seen = ServicesSeen {
        gaps,
        ..ServicesSeen::default()
    };
    let layout;
    match &body {
        Body::Refused(reason) => {
            return Capture::unavailable_with(target.ok(), None, reason.clone());
        }
        Body::Empty => {
            layout = match command {
                Some(Command::ServicesV8) => "cf services (v8), empty space",
                _ => "cf services (v6/v7), empty space",
            }
            .to_owned();
        }
        Body::Table { header, rows } => {
            let names = header.names();
            layout = layout_of(&names, ok_line);
            let col = |n: &str| header.index(n);
            let (Some(i_name), Some(i_offering)) =
                (col("name"), col("service").or(col("offering")))
            else {
                return Capture::unavailable_with(
                    target.ok(),
                    Some(layout),
                    format!(
                        "line {}: the header has no `service` or `offering` column",
                        header.line
                    ),
                );
            };
            let i_plan = col("plan");
            let i_bound = col("bound apps");
            // Every cf version since v6.10 prints it; without it a failed operation would
            // pass unseen.
            let Some(i_op) = col("last operation") else {
                return Capture::unavailable_with(
                    target.ok(),
                    Some(layout),
                    without_last_operation(&names, header.line),
                );
            };
            let i_broker = col("broker");
            let i_upgrade = col("upgrade available");
            // v8 prints a last operation for user-provided instances too.
            let v8 = col("offering").is_some();
            if i_bound.is_none() {
                seen.bindings_hidden = Some(format!(
                    "the `cf services` header (line {}) has no `bound apps` column (`cf services --no-apps`): bound apps are not shown",
                    header.line
                ));
            }
            let read = |cells: &[String]| {
                let cell = |i: Option<usize>| i.map(|i| cells[i].as_str()).unwrap_or("");
                let cells = Cells {
                    name: cells[i_name].as_str(),
                    offering: cells[i_offering].as_str(),
                    plan: cell(i_plan),
                    bound: cell(i_bound),
                    op: cells[i_op].as_str(),
                    broker: i_broker.map(|i| cells[i].as_str()),
                    upgrade: cell(i_upgrade),
                };
                row(&cells, v8)
            };
            seen.instances =
                frame::unique_rows(rows, "instance", |s| &s.name, read, &mut seen.gaps);
        }
    }
    finish(target, frame::layout_with_warnings(layout, warnings), seen)
}

/// Why a table without `last operation` is not read: early v6 (before v6.10) said precisely,
/// else the output is cut off.
fn without_last_operation(names: &[&str], line: usize) -> String {
    const UPGRADE: &str = "capture it with cf CLI v6.10 or later (or verify with the API, `--api`)";
    match names {
        ["name", "service", "plan", "bound apps", "status"] => format!(
            "line {line}: the header has `status` where later versions print `last operation`: this is `cf services` of cf CLI v6.9, whose status cannot show a failed update or delete, so it is not read (not supported); {UPGRADE}"
        ),
        ["name", "service", "plan", "bound apps"] => format!(
            "line {line}: the header ends at `bound apps`, without `last operation`: this is `cf services` of cf CLI v6.0 to v6.8, which printed no last operation (not supported: a failed operation cannot be seen), or output cut off after `bound apps`; {UPGRADE}, whole"
        ),
        _ => format!(
            "line {line}: the header has no `last operation` column, which every cf version since v6.10 prints: the output is cut off (e.g. at the terminal's width)"
        ),
    }
}

fn layout_of(names: &[&str], ok_line: bool) -> String {
    let has = |n: &str| names.contains(&n);
    let version = if has("offering") {
        "v8"
    } else if has("upgrade available") {
        "v6.45-6.53 or v7"
    } else if has("broker") {
        "v6.43-6.44"
    } else if ok_line {
        "v6 up to 6.34"
    } else {
        "v6.35-6.42"
    };
    let flag = if has("bound apps") { "" } else { " --no-apps" };
    format!("cf services{flag} ({version})")
}

/// One row's cells, by column; `broker` is `None` where the layout has no such column.
struct Cells<'a> {
    name: &'a str,
    offering: &'a str,
    plan: &'a str,
    bound: &'a str,
    op: &'a str,
    broker: Option<&'a str>,
    upgrade: &'a str,
}

fn row(cells: &Cells<'_>, v8: bool) -> Result<ObservedService, String> {
    let Cells {
        name,
        offering,
        plan,
        bound,
        op,
        broker,
        upgrade,
    } = *cells;
    if name.is_empty() {
        return Err("a row without a name".into());
    }
    // Quoted as an excerpt: a line that is not a row may hold a credential.
    let shown = excerpt(name, 60);
    if offering.is_empty() {
        return Err(format!(
            "instance `{shown}` has an empty service/offering cell (expected an offering or `user-provided`)"
        ));
    }
    let user_provided = offering == "user-provided";
    // A managed instance always shows its last operation (and, where the column exists, its
    // broker), and in v8 a user-provided one its last operation: a row without them was cut
    // (a narrow terminal, `cut -c`), and nothing in it, its bound apps least of all (a cut
    // cell is a prefix of a name), is read as complete. (A v6/v7 user-provided row ends at its
    // bound apps once trailing blanks are trimmed: a cut there cannot be told.)
    let cut = if user_provided {
        v8 && op.is_empty()
    } else {
        op.is_empty() || broker == Some("")
    };
    if cut {
        let missing = if op.is_empty() || user_provided {
            "last operation"
        } else {
            "broker"
        };
        return Err(format!(
            "instance `{shown}`: the row ends before its `{missing}`, which cf prints for every managed instance: the line is cut off, so its bound apps and state are unknown"
        ));
    }
    let bound_apps = if bound.is_empty() {
        Vec::new()
    } else {
        let apps: Vec<String> = bound.split(", ").map(str::to_owned).collect();
        if apps
            .iter()
            .any(|a| a.is_empty() || a.contains(',') || a.starts_with(' '))
        {
            return Err(format!(
                "instance `{shown}`: bound apps `{}` are not names joined by `, `",
                excerpt(bound, 60)
            ));
        }
        apps
    };
    let last_operation = if op.is_empty() {
        None
    } else {
        Some(last_operation(op).ok_or_else(|| {
            format!(
                "instance `{shown}`: last operation `{}` is not `<create|update|delete> <initial|in progress|succeeded|failed>`",
                excerpt(op, 40)
            )
        })?)
    };
    if !matches!(upgrade, "" | "yes" | "no") {
        return Err(format!(
            "instance `{shown}`: upgrade available `{}` is not `yes`, `no` or empty",
            excerpt(upgrade, 40)
        ));
    }
    let non_empty = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    Ok(ObservedService {
        name: name.to_owned(),
        offering: if user_provided {
            None
        } else {
            Some(offering.to_owned())
        },
        plan: non_empty(plan),
        broker: broker.and_then(non_empty),
        user_provided,
        bound_apps,
        last_operation,
        // No `cf services` shows when a binding was made.
        bound_at: Vec::new(),
        binding_pending: Vec::new(),
    })
}

/// `create succeeded`, `update in progress`, `delete failed`, ...
pub(crate) fn last_operation(text: &str) -> Option<LastOperation> {
    let (kind, state) = text.split_once(' ')?;
    if !matches!(kind, "create" | "update" | "delete") {
        return None;
    }
    let state = match state {
        "initial" => OperationState::Initial,
        "in progress" => OperationState::InProgress,
        "succeeded" => OperationState::Succeeded,
        "failed" => OperationState::Failed,
        _ => return None,
    };
    Some(LastOperation {
        kind: kind.to_owned(),
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Coverage;

    fn reason(text: &str) -> String {
        match parse(text).part {
            Coverage::Unavailable { reason } => reason,
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    /// Issue 9 item 18: early v6 (before v6.10's `last operation`) is named as such, not
    /// called cut off.
    #[test]
    fn early_v6_is_named() {
        let head = "Getting services in org cap / space staging as u...\nOK\n\n";
        let v6_8 =
            format!("{head}name   service   plan   bound apps\ndb     aws-rds   p      web\n");
        let r = reason(&v6_8);
        assert!(
            r.contains("cf CLI v6.0 to v6.8") && r.contains("v6.10 or later"),
            "{r}"
        );
        let v6_9 = format!(
            "{head}name   service   plan   bound apps   status\ndb     aws-rds   p      web          available\n"
        );
        assert!(reason(&v6_9).contains("cf CLI v6.9"));
        let cut = format!("{head}name   service   plan   bound apps   broker\n");
        assert!(reason(&cut).contains("cut off"));
    }

    /// Issue 9 item 18: cf output in German or French is refused saying so, with its target,
    /// and never read; so is a localized header under an English first line.
    #[test]
    fn localized_output_is_refused_by_language() {
        let de = "Abrufen von Services in Organisation cap / Bereich staging als u...\nOK\n\nName   Service   Plan   Gebundene Apps   Letzte Operation\ndb     aws-rds   p      web              create succeeded\n";
        let c = parse(de);
        assert_eq!(c.target.as_ref().map(|t| t.space.as_str()), Some("staging"));
        let Coverage::Unavailable { reason: why } = &c.part else {
            panic!("{c:?}")
        };
        assert!(
            why.starts_with("line 1: this is `cf services` output in German")
                && why.contains("cf config --locale en-US"),
            "{why}"
        );
        let fr = "Obtention des services dans l'organisation cap / l'espace staging en tant que u...\nOK\n\nnom   service   plan   applications liées   dernière opération\n";
        assert!(reason(fr).contains("in French"));
        let header_only = "Getting service instances in org cap / space staging as u...\n\nName   offering   Plan   Gebundene Apps   Letzte Operation   Broker   upgrade available\n";
        assert!(reason(header_only).contains(
            "line 3: this is `cf services` output with a table header in another language"
        ));
    }
}
