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
//! - v6: `System-Provided:` then one JSON object `{ "VCAP_SERVICES": {...} }`. For an app
//!   bound to nothing, v6 prints an empty line instead (`cf/commands/application/env.go`
//!   prints VCAP_SERVICES only when it holds a binding): in a whole capture (the User-Provided,
//!   Running and Staging sections follow) that is read as bound to nothing.
//! - Not supported, each said precisely: `VCAP_SERVICES_FILE_PATH` / `SERVICE_BINDING_ROOT`
//!   (bindings as files), `redacted_message` (VCAP_SERVICES hidden from the user), v7/v8's
//!   `No system-provided env variables have been set` (no VCAP_SERVICES sent at all).

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

/// The v6 System-Provided objects: `{ "VCAP_SERVICES": ... }`, then `{ "VCAP_APPLICATION":
/// ... }` (only whether it is there is kept).
#[derive(Deserialize)]
struct SystemProvided {
    #[serde(rename = "VCAP_SERVICES")]
    vcap_services: Option<VcapServices>,
    #[serde(rename = "VCAP_APPLICATION", default)]
    vcap_application: Option<serde::de::IgnoredAny>,
}

/// What cf prints where the system-provided variables would be, when there are none.
const NO_SYSTEM: &str = "No system-provided env variables have been set";

/// The lines that start the sections after System-Provided, in the order cf prints them (v6
/// says `user-defined`, v7/v8 `user-provided`); each section is one of its two.
const SECTIONS_AFTER: [[&str; 3]; 3] = [
    [
        "User-Provided:",
        "No user-defined env variables have been set",
        "No user-provided env variables have been set",
    ],
    [
        "Running Environment Variable Groups:",
        "No running env variables have been set",
        "No running env variables have been set",
    ],
    [
        "Staging Environment Variable Groups:",
        "No staging env variables have been set",
        "No staging env variables have been set",
    ],
];

pub(crate) fn parse(text: &str) -> EnvCapture {
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
    if let Some(language) = first.localized {
        return EnvCapture {
            target: first.target.ok(),
            app: first.app,
            bound_instances: Coverage::Unavailable {
                reason: super::locale::refusal(first_number, "`cf env APP` output", language),
            },
        };
    }
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
    // v6 (the legacy code) prints `OK` right after the first line; v7 and v8 never do.
    let v6 = rest
        .iter()
        .map(|l| l.text.trim())
        .find(|t| !t.is_empty())
        .is_some_and(|t| t == "OK");
    let bound_instances = match one_capture(rest)
        .and_then(|()| agrees_with_vcap_application(rest, first.app.as_deref(), &target))
        .and_then(|()| vcap_services(rest, v6))
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
    let Ok((seen, _)) =
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

/// Finds VCAP_SERVICES in the System-Provided section after the first line and returns its
/// instance names, sorted. Only that section is read: the sections after it print
/// user-controlled values as they are, which may span lines and look like anything.
fn vcap_services(lines: &[lines::Line], v6: bool) -> Result<Vec<String>, String> {
    let mut start = None;
    for (i, line) in lines.iter().enumerate() {
        if lines::aside(&line.text) == Some(Aside::Failed) {
            return Err(format!("cf reported FAILED at line {}", line.number));
        }
        let t = line.text.trim();
        if t == "System-Provided:" || t == NO_SYSTEM {
            start = Some(i);
            break;
        }
    }
    let Some(start) = start else {
        return Err("no VCAP_SERVICES found (expected `System-Provided:` and then `VCAP_SERVICES: {` or a JSON object): the output is cut off or not `cf env APP`".into());
    };
    let at = lines[start].number;
    if lines[start].text.trim() == NO_SYSTEM {
        if !v6 {
            return Err(format!(
                "line {at}: cf printed `{NO_SYSTEM}`: the Cloud Controller sent no VCAP_SERVICES at all (not even `{{}}`), so this capture cannot tell the app's bindings; use the API (`--api`)"
            ));
        }
        // v6 prints this when VCAP_SERVICES is empty and VCAP_APPLICATION too.
        return complete(&lines[start + 1..], at).map(|()| Vec::new());
    }
    let end = lines[start + 1..]
        .iter()
        .position(|l| SECTIONS_AFTER.iter().flatten().any(|s| l.text.trim() == *s))
        .map_or(lines.len(), |p| start + 1 + p);
    let section = &lines[start + 1..end];
    // v7/v8: `KEY: value` per system-provided variable, values as indented JSON.
    let keys: Vec<(usize, &str)> = section
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let (key, _) = l.text.split_once(':')?;
            let top_level =
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            top_level.then_some((i, key))
        })
        .collect();
    if let Some(&(i, _)) = keys.iter().find(|(_, k)| *k == "VCAP_SERVICES") {
        let line = &section[i];
        let rest = &line.text["VCAP_SERVICES:".len()..];
        let json = joined(rest, &section[i + 1..]);
        let (map, _) = first_json::<VcapServices>(&json, line.number, "VCAP_SERVICES")?;
        return names(map, line.number);
    }
    for (i, key) in &keys {
        let number = section[*i].number;
        let feature = match *key {
            "VCAP_SERVICES_FILE_PATH" => "file-based-vcap-services",
            "SERVICE_BINDING_ROOT" => "service-binding-k8s",
            "redacted_message" => {
                return Err(format!(
                    "line {number}: the System-Provided section shows only `redacted_message`: the Cloud Controller hides VCAP_SERVICES from this user (allowed to read the app's environment, not its system-provided variables), so this capture cannot tell the app's bindings; capture `cf env` as a space developer, or use the API (`--api`)"
                ));
            }
            _ => continue,
        };
        return Err(format!(
            "line {number}: `{key}` instead of VCAP_SERVICES: this app gets its service bindings as files (the `{feature}` app feature), which `cf env` does not show, so this capture cannot tell the app's bindings (not supported); verify the bindings with the API (`--api`)"
        ));
    }
    // v6: `{ "VCAP_SERVICES": ... }`, a blank line, `{ "VCAP_APPLICATION": ... }`.
    let Some(object_at) = section.iter().position(|l| !l.text.trim().is_empty()) else {
        return Err(format!(
            "the System-Provided section (line {at}) is empty: the output is cut off"
        ));
    };
    let object = &section[object_at];
    if !object.text.trim_start().starts_with('{') {
        return Err(format!(
            "the System-Provided section (line {at}) has no VCAP_SERVICES (its first line, {}, is neither `VCAP_SERVICES: {{` nor a JSON object)",
            object.number
        ));
    }
    let after = &lines[start + 1 + object_at + 1..];
    let json = joined(&object.text, after);
    let (system, used) =
        first_json::<SystemProvided>(&json, object.number, "the System-Provided object")?;
    if let Some(map) = system.vcap_services {
        return names(map, object.number);
    }
    // v6 prints VCAP_SERVICES only when it holds a binding; without one it prints an empty
    // line in its place (then the blank line before VCAP_APPLICATION): bound to nothing.
    // That absence is evidence only in a whole capture of that exact shape.
    if v6 && system.vcap_application.is_some() && object_at == 2 {
        let object_lines = json[..used].matches('\n').count();
        return complete(&after[object_lines..], object.number).map(|()| Vec::new());
    }
    Err(format!(
        "the System-Provided object at line {} has no VCAP_SERVICES",
        object.number
    ))
}

/// Whether the sections cf prints after the system-provided variables all follow, in order:
/// only then was the capture not cut off there, and v6's missing VCAP_SERVICES means bound to
/// nothing.
fn complete(after: &[lines::Line], at: usize) -> Result<(), String> {
    let mut from = 0;
    for section in SECTIONS_AFTER {
        match after[from..]
            .iter()
            .position(|l| section.contains(&l.text.trim()))
        {
            Some(p) => from += p + 1,
            None => {
                return Err(format!(
                    "cf v6 prints no VCAP_SERVICES (line {at}) for an app bound to nothing, but this capture stops before the `{}` section that follows it: it is cut off, so it cannot show that the app is bound to nothing",
                    section[0].trim_end_matches(':')
                ));
            }
        }
    }
    Ok(())
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

/// Reads the first JSON value of `json` (which starts on line `line`) and the number of bytes
/// it took, describing an error by position and category only.
fn first_json<T: for<'de> Deserialize<'de>>(
    json: &str,
    line: usize,
    what: &str,
) -> Result<(T, usize), String> {
    let mut stream = serde_json::Deserializer::from_str(json).into_iter::<T>();
    match stream.next() {
        Some(Ok(v)) => Ok((v, stream.byte_offset())),
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

#[cfg(test)]
mod tests {
    use super::*;

    const V6_HEAD: &str = "Getting env variables for app w in org o / space s as u...\nOK\n\n";
    const V6_APPLICATION: &str = "{\n \"VCAP_APPLICATION\": {\n  \"application_name\": \"w\",\n  \"space_name\": \"s\"\n }\n}\n";
    const V6_AFTER: &str = "\nNo user-defined env variables have been set\n\nNo running env variables have been set\n\nNo staging env variables have been set\n\n";
    const V8_HEAD: &str = "Getting env variables for app w in org o / space s as u...\n";
    const V8_AFTER: &str = "VCAP_APPLICATION: {\n  \"application_name\": \"w\"\n}\n\nUser-Provided:\nA: b\n\nNo running env variables have been set\n\nNo staging env variables have been set\n\n";

    fn reason(c: &EnvCapture) -> &str {
        match &c.bound_instances {
            Coverage::Unavailable { reason } => reason,
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    /// Issue 9 item 14: v6 prints no VCAP_SERVICES for an app bound to nothing (an empty line
    /// where it would be, `cf/commands/application/env.go`): in a whole capture that is
    /// evidence of no bindings; cut anywhere before the last section, it is not.
    #[test]
    fn v6_without_vcap_services_is_bound_to_nothing_when_whole() {
        let whole = format!("{V6_HEAD}System-Provided:\n\n\n{V6_APPLICATION}{V6_AFTER}");
        assert_eq!(parse(&whole).bound_instances, Coverage::Seen(vec![]));
        // With user-provided variables and groups, as printed.
        let groups = whole
            .replace(
                "No user-defined env variables have been set",
                "User-Provided:\nRAILS_ENV: staging",
            )
            .replace(
                "No running env variables have been set",
                "Running Environment Variable Groups:\nX: y",
            );
        assert_eq!(parse(&groups).bound_instances, Coverage::Seen(vec![]));
        // Every cut at a line boundary before the staging section: never "bound to nothing".
        let lines: Vec<&str> = whole.split_inclusive('\n').collect();
        let staging = lines
            .iter()
            .position(|l| l.starts_with("No staging"))
            .unwrap();
        for cut in 0..=staging {
            let text: String = lines[..cut].concat();
            let c = parse(&text);
            assert!(
                !matches!(c.bound_instances, Coverage::Seen(_)),
                "cut at line {cut}: {c:?}"
            );
        }
        let cut: String = lines[..staging].concat();
        assert!(
            reason(&parse(&cut))
                .contains("stops before the `Staging Environment Variable Groups` section")
        );
        // v6 with no system-provided variables at all: also bound to nothing, when whole.
        let none = format!("{V6_HEAD}{NO_SYSTEM}\n{V6_AFTER}");
        assert_eq!(parse(&none).bound_instances, Coverage::Seen(vec![]));
        // Not v6's exact shape (one blank line, no `OK`): not read as evidence.
        let one_blank = format!("{V6_HEAD}System-Provided:\n\n{V6_APPLICATION}{V6_AFTER}");
        assert!(reason(&parse(&one_blank)).contains("has no VCAP_SERVICES"));
        let no_ok = whole.replacen("OK\n", "", 1);
        assert!(reason(&parse(&no_ok)).contains("has no VCAP_SERVICES"));
    }

    /// Issue 9 item 18: bindings delivered as files, or VCAP_SERVICES hidden from the user,
    /// are said precisely, UNKNOWN; so is v7/v8's `No system-provided ...`.
    #[test]
    fn what_cf_env_cannot_show_is_said_precisely() {
        for (key, feature) in [
            ("VCAP_SERVICES_FILE_PATH", "file-based-vcap-services"),
            ("SERVICE_BINDING_ROOT", "service-binding-k8s"),
        ] {
            let text = format!(
                "{V8_HEAD}System-Provided:\n{key}: \"/etc/cf-service-bindings\"\n\n{V8_AFTER}"
            );
            let r = parse(&text);
            let r = reason(&r);
            assert!(
                r.starts_with(&format!("line 3: `{key}` instead of VCAP_SERVICES")),
                "{r}"
            );
            assert!(r.contains(feature) && r.contains("--api"), "{r}");
        }
        let hidden = format!(
            "{V8_HEAD}System-Provided:\nredacted_message: \"[PRIVATE DATA HIDDEN]\"\n\n{V8_AFTER}"
        );
        assert!(reason(&parse(&hidden)).contains("hides VCAP_SERVICES from this user"));
        let none = format!("{V8_HEAD}{NO_SYSTEM}\n\nUser-Provided:\nA: b\n");
        assert!(reason(&parse(&none)).contains("sent no VCAP_SERVICES at all"));
    }

    /// VCAP_SERVICES is read in the System-Provided section only: a user-provided value that
    /// spans lines and looks like VCAP_SERVICES is never a binding.
    #[test]
    fn vcap_services_outside_system_provided_is_never_read() {
        let forged = format!(
            "{V8_HEAD}System-Provided:\nVCAP_SERVICES_FILE_PATH: \"/x\"\n\nUser-Provided:\nNOTE: x\nVCAP_SERVICES: {{\"redis\": [{{\"name\": \"db\"}}]}}\n"
        );
        assert!(reason(&parse(&forged)).contains("VCAP_SERVICES_FILE_PATH"));
        let v6 = format!(
            "{V6_HEAD}System-Provided:\n\n\n{V6_APPLICATION}\nUser-Provided:\nNOTE: x\nVCAP_SERVICES: {{\"redis\": [{{\"name\": \"db\"}}]}}\n\nNo running env variables have been set\n\nNo staging env variables have been set\n"
        );
        assert_eq!(parse(&v6).bound_instances, Coverage::Seen(vec![]));
    }

    /// Issue 9 item 18: `cf env` in German or French is refused by language, with its app.
    #[test]
    fn localized_cf_env_is_refused() {
        let de = "Abrufen von Umgebungsvariablen für App w in Organisation o / Bereich s als u...\nOK\n\nVom System zur Verfügung gestellt:\n{\n \"VCAP_SERVICES\": {}\n}\n";
        let c = parse(de);
        assert_eq!(c.app.as_deref(), Some("w"));
        assert!(
            reason(&c).contains("`cf env APP` output in German"),
            "{c:?}"
        );
        let fr = "Obtention des variables d'environnement pour l'application w dans l'organisation o/l'espace s en tant que u...\n";
        assert!(reason(&parse(fr)).contains("in French"));
    }

    /// Issue 9 item 15, in `cf env`: v7/v8 print the Cloud Controller's warnings after the first
    /// line; they change nothing.
    #[test]
    fn warnings_after_the_first_line_change_nothing() {
        let text = format!(
            "{V8_HEAD}Some warning\nAnother warning\nSystem-Provided:\nVCAP_SERVICES: {{\n  \"x\": [\n    {{\"name\": \"db\"}}\n  ]\n}}\n\n{V8_AFTER}"
        );
        assert_eq!(
            parse(&text).bound_instances,
            Coverage::Seen(vec!["db".into()])
        );
    }
}
