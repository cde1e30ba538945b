//! `cf apps`: the v6 layout (`instances`, `memory`, `disk`, `urls`), the v7/v8 layout
//! (`processes`, `routes`) and v8 `--no-stats` (no `processes`).

use super::frame::{self, Body, Frame, Want};
use super::header::Command;
use super::lines::excerpt;
use super::{Capture, finish};
use crate::observe::{AppState, AppsSeen, DeploymentView, ObservedApp, ProcessCounts};

const WANT: Want = Want {
    name: "`cf apps`",
    commands: &[Command::Apps],
    first_line: "Getting apps in org O / space S as U...",
    columns: crate::cf_layout::APPS_COLUMNS,
    empty: &["No apps found", "No apps found."],
};

pub(crate) fn parse(text: &str) -> Capture<AppsSeen> {
    let Frame {
        target,
        body,
        gaps,
        warnings,
        ..
    } = match frame::read(text, &WANT) {
        Ok(f) => f,
        Err(reason) => return Capture::unavailable(reason),
    };
    let mut seen = AppsSeen {
        apps: Vec::new(),
        gaps,
    };
    let layout;
    match &body {
        Body::Refused(reason) => {
            return Capture::unavailable_with(target.ok(), None, reason.clone());
        }
        Body::Empty => layout = "cf apps, empty space".to_owned(),
        Body::Table { header, rows } => {
            let col = |n: &str| header.index(n);
            let (i_name, i_state) = (col("name"), col("requested state"));
            let i_instances = col("instances");
            let i_processes = col("processes");
            let i_memory = col("memory");
            let i_disk = col("disk");
            let i_routes = col("routes").or(col("urls"));
            layout = if i_instances.is_some() {
                "cf apps (v6)".to_owned()
            } else if i_processes.is_some() {
                "cf apps (v7/v8)".to_owned()
            } else {
                "cf apps --no-stats (v8)".to_owned()
            };
            let (Some(i_name), Some(i_state)) = (i_name, i_state) else {
                return Capture::unavailable_with(
                    target.ok(),
                    Some(layout),
                    format!(
                        "line {}: the header has no `requested state` column",
                        header.line
                    ),
                );
            };
            // Every layout ends with it; without it the output is cut short, and the last
            // cell left (e.g. `web:1/1` of `web:1/1, worker:0/1`) may look healthy.
            if i_routes.is_none() {
                return Capture::unavailable_with(
                    target.ok(),
                    Some(layout),
                    format!(
                        "line {}: the header has no `routes` (or `urls`) column, which every cf version prints: the output is cut off (e.g. at the terminal's width)",
                        header.line
                    ),
                );
            }
            let read = |cells: &[String]| {
                let cell = |i: Option<usize>| i.map(|i| cells[i].as_str());
                row(
                    &cells[i_name],
                    &cells[i_state],
                    cell(i_instances),
                    cell(i_processes),
                    cell(i_memory),
                    cell(i_disk),
                    cell(i_routes),
                )
            };
            seen.apps = frame::unique_rows(rows, "app", |a| &a.name, read, &mut seen.gaps);
        }
    }
    finish(target, frame::layout_with_warnings(layout, warnings), seen)
}

fn row(
    name: &str,
    state: &str,
    instances: Option<&str>,
    processes: Option<&str>,
    memory: Option<&str>,
    disk: Option<&str>,
    routes: Option<&str>,
) -> Result<ObservedApp, String> {
    if name.is_empty() {
        return Err("a row without a name".into());
    }
    // Quoted as an excerpt: a line that is not a row may hold a credential.
    let shown = excerpt(name, 60);
    let state = match state.to_ascii_lowercase().as_str() {
        "started" => AppState::Started,
        "stopped" => AppState::Stopped,
        _ => {
            return Err(format!(
                "app `{shown}`: requested state `{}` is not `started` or `stopped`",
                excerpt(state, 40)
            ));
        }
    };
    let processes = match (instances, processes) {
        (Some(cell), _) => Some(vec![counts("web", cell).ok_or_else(|| {
            format!(
                "app `{shown}`: instances `{}` is not like `1/2` or `?/2`",
                excerpt(cell, 40)
            )
        })?]),
        (None, Some("")) => Some(Vec::new()),
        (None, Some(cell)) => Some(
            cell.split(", ")
                .map(process)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    format!(
                        "app `{shown}`: processes `{}` are not like `web:1/2, worker:0/1`",
                        excerpt(cell, 60)
                    )
                })?,
        ),
        (None, None) => None,
    };
    for (what, cell) in [("memory", memory), ("disk", disk)] {
        if let Some(cell) = cell
            && !is_size(cell)
        {
            return Err(format!(
                "app `{shown}`: {what} `{}` is not a size like `512M` or `1G`",
                excerpt(cell, 40)
            ));
        }
    }
    let routes = match routes {
        None => None,
        Some("") => Some(Vec::new()),
        Some(cell) => {
            let list: Vec<String> = cell.split(", ").map(str::to_owned).collect();
            if list
                .iter()
                .any(|r| r.is_empty() || r.contains(' ') || r.contains(','))
            {
                return Err(format!(
                    "app `{shown}`: routes `{}` are not routes joined by `, `",
                    excerpt(cell, 60)
                ));
            }
            Some(list)
        }
    };
    Ok(ObservedApp {
        name: name.to_owned(),
        state: Some(state),
        processes,
        routes,
        // `cf apps` shows neither; a process type listed twice is what tells of a deployment.
        deployment: DeploymentView::NotShown,
        running_since: None,
        starting: Default::default(),
    })
}

/// `web:1/2`.
fn process(text: &str) -> Option<ProcessCounts> {
    let (kind, counts_text) = text.split_once(':')?;
    if kind.is_empty()
        || !kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    counts(kind, counts_text)
}

/// `1/2` or `?/2`.
fn counts(kind: &str, text: &str) -> Option<ProcessCounts> {
    let (running, desired) = text.split_once('/')?;
    let running = if running == "?" {
        None
    } else {
        Some(number(running)?)
    };
    Some(ProcessCounts {
        process_type: kind.to_owned(),
        running,
        desired: number(desired)?,
    })
}

fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `0`, `512M`, `1G`, `1.5G`, `100K`, `2T`.
fn is_size(text: &str) -> bool {
    if text == "0" {
        return true;
    }
    let Some(number) = text.strip_suffix(['K', 'M', 'G', 'T']) else {
        return false;
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_cells() {
        assert_eq!(
            process("worker:0/2"),
            Some(ProcessCounts {
                process_type: "worker".into(),
                running: Some(0),
                desired: 2
            })
        );
        assert_eq!(counts("web", "?/2").unwrap().running, None);
        for bad in [
            "web:1",
            "web:a/2",
            ":1/2",
            "web:1/-2",
            "web 1/2",
            "web:1/2/3",
        ] {
            assert_eq!(process(bad), None, "{bad}");
        }
        assert!(is_size("512M") && is_size("1.5G") && is_size("0"));
        assert!(!is_size("M") && !is_size("1.G") && !is_size("12"));
    }
}
