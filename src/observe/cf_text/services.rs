//! `cf services`: every layout of the reference (v6 up to 6.34 with `OK`, 6.35-6.42,
//! 6.43-6.44 with `broker`, 6.45-6.53 and v7 with `upgrade available`, v8 with `offering`,
//! and v8 `--no-apps` without `bound apps`).

use super::frame::{self, Body, Want};
use super::header::Command;
use super::lines::excerpt;
use super::{Capture, finish};
use crate::observe::{LastOperation, ObservedService, OperationState, ServicesSeen};
use std::collections::{HashMap, HashSet};

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
    ],
    empty: &[
        "No services found",
        "No service instances found.",
        "No service instances found",
        "No services found.",
    ],
};

pub fn parse(text: &str) -> Capture<ServicesSeen> {
    let frame = match frame::read(text, &WANT) {
        Ok(f) => f,
        Err(reason) => return Capture::unavailable(reason),
    };
    let mut seen = ServicesSeen::default();
    let layout;
    match &frame.body {
        Body::Empty(_) => {
            layout = match frame.command {
                Some(Command::ServicesV8) => "cf services (v8), empty space",
                _ => "cf services (v6/v7), empty space",
            }
            .to_owned();
        }
        Body::Table { header, rows } => {
            let names = header.names();
            layout = layout_of(&names, frame.ok_line);
            let col = |n: &str| header.index(n);
            let (Some(i_name), Some(i_offering)) =
                (col("name"), col("service").or(col("offering")))
            else {
                return Capture::unavailable_with(
                    frame.target.ok(),
                    Some(layout),
                    format!(
                        "line {}: the header has no `service` or `offering` column",
                        header.line
                    ),
                );
            };
            let i_plan = col("plan");
            let i_bound = col("bound apps");
            // Every cf version prints it; without it a failed operation would pass unseen.
            let Some(i_op) = col("last operation") else {
                return Capture::unavailable_with(
                    frame.target.ok(),
                    Some(layout),
                    format!(
                        "line {}: the header has no `last operation` column, which every cf version prints: the output is cut off (e.g. at the terminal's width)",
                        header.line
                    ),
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
            let mut first_line_of: HashMap<String, usize> = HashMap::new();
            let mut twice: HashSet<String> = HashSet::new();
            for (number, cells) in rows {
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
                match row(&cells, v8) {
                    Ok(service) => {
                        if let Some(first) = first_line_of.get(&service.name) {
                            twice.insert(service.name.clone());
                            seen.gaps.push(format!(
                                "line {number}: instance `{}` is listed twice (first on line {first})",
                                service.name
                            ));
                            continue;
                        }
                        first_line_of.insert(service.name.clone(), *number);
                        seen.instances.push(service);
                    }
                    Err(why) => seen.gaps.push(format!("line {number}: {why}")),
                }
            }
            // Rows that disagree cannot both be true: neither is used.
            seen.instances.retain(|s| !twice.contains(&s.name));
        }
    }
    let mut gaps = frame.gaps;
    gaps.append(&mut seen.gaps);
    seen.gaps = gaps;
    finish(
        frame.target,
        frame::layout_with_warnings(layout, frame.warnings),
        seen,
    )
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
    if offering.is_empty() {
        return Err(format!(
            "instance `{name}` has an empty service/offering cell (expected an offering or `user-provided`)"
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
            "instance `{name}`: the row ends before its `{missing}`, which cf prints for every managed instance: the line is cut off, so its bound apps and state are unknown"
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
                "instance `{name}`: bound apps `{}` are not names joined by `, `",
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
                "instance `{name}`: last operation `{}` is not `<create|update|delete> <initial|in progress|succeeded|failed>`",
                excerpt(op, 40)
            )
        })?)
    };
    if !matches!(upgrade, "" | "yes" | "no") {
        return Err(format!(
            "instance `{name}`: upgrade available `{}` is not `yes`, `no` or empty",
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
    })
}

/// `create succeeded`, `update in progress`, `delete failed`, ...
pub fn last_operation(text: &str) -> Option<LastOperation> {
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
