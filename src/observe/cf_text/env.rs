//! `cf env APP` (v6, v7, v8): the app, its org and space, and the names of the service
//! instances in VCAP_SERVICES. Nothing else is read.
//!
//! VCAP_SERVICES holds live credentials. They never reach a returned value, a `Debug` output
//! or a message: the JSON is deserialised into a type that has no field for anything but the
//! binding's `instance_name` and `name` (serde skips every other value without keeping it),
//! and errors are described by their position and category only, never by serde_json's
//! message (which may quote the offending value).
//!
//! - v7/v8: `VCAP_SERVICES: {` then 2-space-indented JSON, under `System-Provided:`.
//! - v6: `System-Provided:` then one JSON object `{ "VCAP_SERVICES": {...} }`.

use super::EnvCapture;
use super::header::{self, Command};
use super::lines::{self, Aside};
use crate::observe::Coverage;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One binding in VCAP_SERVICES: its instance's name, nothing else.
#[derive(Deserialize)]
struct Binding {
    #[serde(default)]
    instance_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// VCAP_SERVICES: offering label -> bindings.
type VcapServices = BTreeMap<String, Vec<Binding>>;

/// The v6 System-Provided object.
#[derive(Deserialize)]
struct SystemProvided {
    #[serde(rename = "VCAP_SERVICES")]
    vcap_services: Option<VcapServices>,
}

pub fn parse(text: &str) -> EnvCapture {
    let unavailable = |reason: String| EnvCapture {
        target: None,
        app: None,
        bound_instances: Coverage::Unavailable { reason },
    };
    if let Some(reason) = lines::unreadable(text) {
        return unavailable(reason);
    }
    let lines = lines::lines(text);
    // The first line.
    let mut first = None;
    for line in &lines {
        match lines::aside(&line.text) {
            Some(Aside::Blank | Aside::Notice | Aside::Ok) => continue,
            Some(Aside::Failed) => {
                return unavailable(format!(
                    "cf reported FAILED at line {} (app not found, or not logged in?)",
                    line.number
                ));
            }
            None => {}
        }
        first = Some((line.number, header::parse(&line.text)));
        break;
    }
    let (first_number, first) = match first {
        Some((n, Some(f))) if f.command == Command::Env => (n, f),
        Some((n, Some(f))) => {
            return unavailable(format!(
                "line {n} is the first line of {}, not of `cf env APP`",
                f.command.describe()
            ));
        }
        Some((n, None)) => {
            return unavailable(format!(
                "the first line (line {n}) is not `Getting env variables for app A in org O / space S as U...`: cannot tell which app, org and space this is"
            ));
        }
        None => return unavailable("no cf env output".into()),
    };
    let target = match first.target {
        Ok(t) => t,
        Err(why) => {
            return EnvCapture {
                target: None,
                app: first.app,
                bound_instances: Coverage::Unavailable {
                    reason: format!(
                        "the first line (line {first_number}) does not name org and space: {why}"
                    ),
                },
            };
        }
    };
    let rest = &lines[first_number..];
    let bound_instances = match one_capture(rest)
        .and_then(|()| agrees_with_vcap_application(rest, first.app.as_deref(), &target))
        .and_then(|()| vcap_services(rest))
    {
        Ok(names) => Coverage::Seen(names),
        Err(reason) => Coverage::Unavailable { reason },
    };
    EnvCapture {
        target: Some(target),
        app: first.app,
        bound_instances,
    }
}

/// Refuses a file that holds a second capture: each starts at its own first line, and the
/// VCAP_SERVICES after a cut-off capture belongs to the next app, never to this one. Only the
/// second first line is quoted: what follows may hold credentials.
fn one_capture(lines: &[lines::Line]) -> Result<(), String> {
    match lines.iter().find(|l| header::parse(&l.text).is_some()) {
        Some(l) => Err(format!(
            "line {}: another capture starts here (`{}`): a file holds one `cf env APP` capture; this one was not read",
            l.number,
            lines::excerpt(&l.text, 80)
        )),
        None => Ok(()),
    }
}

/// VCAP_APPLICATION's names: the app, its space and org (nothing else is read).
#[derive(Deserialize)]
struct VcapApplication {
    #[serde(default)]
    application_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    space_name: Option<String>,
    #[serde(default)]
    organization_name: Option<String>,
}

/// Where VCAP_APPLICATION (v7/v8 `VCAP_APPLICATION: {`, v6 `"VCAP_APPLICATION": {`) names the
/// app, space and org, they must be those of the first line; otherwise the capture is not this
/// app's. A VCAP_APPLICATION that cannot be read names nothing (VCAP_SERVICES decides).
fn agrees_with_vcap_application(
    lines: &[lines::Line],
    app: Option<&str>,
    target: &super::Target,
) -> Result<(), String> {
    let Some((i, rest)) = lines.iter().enumerate().find_map(|(i, l)| {
        let t = l.text.trim_start();
        t.strip_prefix("VCAP_APPLICATION:")
            .or_else(|| t.strip_prefix("\"VCAP_APPLICATION\":"))
            .map(|rest| (i, rest))
    }) else {
        return Ok(());
    };
    let number = lines[i].number;
    let Ok(seen) =
        first_json::<VcapApplication>(&joined(rest, &lines[i + 1..]), number, "VCAP_APPLICATION")
    else {
        return Ok(());
    };
    let mut differences = Vec::new();
    if let (Some(named), Some(header)) = (seen.application_name.or(seen.name), app)
        && !crate::cf_name::same(&named, header)
    {
        differences.push(format!("app `{named}` (the first line: `{header}`)"));
    }
    // Names as CF compares them: the first line has the app name as typed (`cf env APP`).
    if let Some(org) = seen
        .organization_name
        .filter(|o| !crate::cf_name::same(o, &target.org))
    {
        differences.push(format!("org `{org}` (the first line: `{}`)", target.org));
    }
    if let Some(space) = seen
        .space_name
        .filter(|s| !crate::cf_name::same(s, &target.space))
    {
        differences.push(format!(
            "space `{space}` (the first line: `{}`)",
            target.space
        ));
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "VCAP_APPLICATION (line {number}) names {}: this is not one app's capture; capture `cf env APP` for the app alone",
            differences.join(", ")
        ))
    }
}

/// Finds VCAP_SERVICES after the first line and returns its instance names, sorted.
fn vcap_services(lines: &[lines::Line]) -> Result<Vec<String>, String> {
    for (i, line) in lines.iter().enumerate() {
        if lines::aside(&line.text) == Some(Aside::Failed) {
            return Err(format!("cf reported FAILED at line {}", line.number));
        }
        // v7/v8: `VCAP_SERVICES: {`.
        if let Some(rest) = line.text.strip_prefix("VCAP_SERVICES:") {
            let json = joined(rest, &lines[i + 1..]);
            let map: VcapServices = first_json(&json, line.number, "VCAP_SERVICES")?;
            return names(map, line.number);
        }
        // v6: `System-Provided:` then `{ "VCAP_SERVICES": ... }`.
        if line.text.trim() == "System-Provided:" {
            let Some(next) = lines[i + 1..].iter().find(|l| !l.text.trim().is_empty()) else {
                break;
            };
            if next.text.trim_start().starts_with('{') {
                let at = lines
                    .iter()
                    .position(|l| l.number == next.number)
                    .unwrap_or(i + 1);
                let json = joined(&next.text, &lines[at + 1..]);
                let object: SystemProvided =
                    first_json(&json, next.number, "the System-Provided object")?;
                return match object.vcap_services {
                    Some(map) => names(map, next.number),
                    None => Err(format!(
                        "the System-Provided object at line {} has no VCAP_SERVICES",
                        next.number
                    )),
                };
            }
        }
    }
    Err("no VCAP_SERVICES found (expected `VCAP_SERVICES: {` or a System-Provided JSON object): the output is cut off or not `cf env APP`".into())
}

/// The text from `start` on, lines joined by `\n`.
fn joined(start: &str, rest: &[lines::Line]) -> String {
    let mut json = start.to_owned();
    for l in rest {
        json.push('\n');
        json.push_str(&l.text);
    }
    json
}

/// Reads the first JSON value of `json` (which starts on line `line`), describing an error by
/// position and category only.
fn first_json<T: for<'de> Deserialize<'de>>(
    json: &str,
    line: usize,
    what: &str,
) -> Result<T, String> {
    let mut stream = serde_json::Deserializer::from_str(json).into_iter::<T>();
    match stream.next() {
        Some(Ok(v)) => Ok(v),
        None => Err(format!("{what} at line {line} is empty")),
        Some(Err(e)) => {
            let at = format!(
                "line {}, column {}",
                line + e.line().saturating_sub(1),
                e.column()
            );
            Err(match e.classify() {
                serde_json::error::Category::Eof => {
                    format!(
                        "{what} (from line {line}) is cut off: the JSON ends at {at} before it closes"
                    )
                }
                serde_json::error::Category::Syntax => {
                    format!(
                        "{what} (from line {line}) is not valid JSON (cut off or garbled): syntax error at {at}"
                    )
                }
                serde_json::error::Category::Data => format!(
                    "{what} (from line {line}) does not have the shape of VCAP_SERVICES (an object of arrays of binding objects): unexpected value at {at}"
                ),
                serde_json::error::Category::Io => {
                    format!("{what} (from line {line}) could not be read")
                }
            })
        }
    }
}

fn names(map: VcapServices, line: usize) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (offering_index, bindings) in map.into_values().enumerate() {
        for (i, b) in bindings.into_iter().enumerate() {
            match b.instance_name.or(b.name).filter(|n| !n.is_empty()) {
                Some(n) => out.push(n),
                None => {
                    return Err(format!(
                        "VCAP_SERVICES (from line {line}): binding {} of offering {} has no `instance_name` or `name`",
                        i + 1,
                        offering_index + 1
                    ));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
