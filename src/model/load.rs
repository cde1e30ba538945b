//! Reading a model file: bytes to text, text to JSON, JSON to [`ModelSpec`], then
//! [`super::resolve`]. Every failure becomes a [`ModelError`] that names the file, the
//! line and column, the JSON path and what would be valid.

use super::error::{ModelError, Problem};
use super::json_path::{JsonPath, Locator};
use super::spec::{FORMAT_VERSION, ModelSpec};
use super::{Model, resolve};
use serde::de::IgnoredAny;
use std::path::Path;

const SHAPE_HELP: &str = "a model is a JSON object with \"version\": 1, \"system\", \"environments\", \"apps\" and \"services\"; run `archcheck schema` for the full format";

/// Loads and validates a model file.
pub fn load(path: &Path) -> Result<Model, ModelError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_owned(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
            _ => e.to_string(),
        };
        ModelError::single(
            &file,
            None,
            Problem::new(format!("cannot read the model file: {what}"))
                .help("give the path of a model, e.g. models/c2.json"),
        )
    })?;
    load_bytes(&file, &bytes)
}

/// Loads a model from bytes; `file` names it in errors.
pub fn load_bytes(file: &str, bytes: &[u8]) -> Result<Model, ModelError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Err(ModelError::single(
                file,
                None,
                Problem::new(format!(
                    "is not a text file (invalid UTF-8 at byte {})",
                    e.valid_up_to()
                ))
                .help(SHAPE_HELP),
            ));
        }
    };
    load_str(file, text)
}

/// Loads a model from text; `file` names it in errors.
pub fn load_str(file: &str, text: &str) -> Result<Model, ModelError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |problem: Problem| ModelError::single(file, Some(text.to_owned()), problem);
    if text.trim().is_empty() {
        return Err(err(Problem::new("the model file is empty").help(SHAPE_HELP)));
    }

    // 1. Syntax, without building a tree: only errors need one.
    let head: Option<Head> = match serde_json::from_str(text) {
        Ok(head) => Some(head),
        Err(_) => match serde_json::from_str::<IgnoredAny>(text) {
            Err(e) => {
                let mut p = Problem::new(format!("invalid JSON: {}", strip_location(&e)));
                p.offset = offset_of(text, e.line(), e.column());
                return Err(err(p.help(SHAPE_HELP)));
            }
            // Valid JSON, an object, but not a `Head`: "version" twice, which the check for
            // duplicate keys below reports.
            Ok(_) if json_type_name(text) == "an object" => None,
            Ok(_) => {
                let mut p = Problem::new(format!(
                    "the top level is {}, not an object",
                    json_type_name(text)
                ));
                p.offset = Some(text.len() - text.trim_start().len());
                return Err(err(p.help(SHAPE_HELP)));
            }
        },
    };
    let (locator, duplicates) = Locator::scan(text);

    // 2. The version, before anything else: another version may have another shape.
    let version_path = JsonPath::root().key("version");
    match head.map(|h| h.version) {
        None => {}
        Some(None) => {
            let mut p = Problem::new("missing \"version\"")
                .help(format!("add \"version\": {FORMAT_VERSION} at the top"));
            p.offset = Some(0);
            return Err(err(p));
        }
        Some(Some(v)) if v.as_u64() != Some(FORMAT_VERSION) => {
            let mut p = Problem::at(
                version_path.clone(),
                format!("unsupported model format version {v}"),
            )
            .help(format!(
                "this archcheck reads format version {FORMAT_VERSION}"
            ));
            p.offset = locator.value_offset(&version_path);
            return Err(err(p));
        }
        Some(Some(_)) => {}
    }

    // 3. Duplicate keys (serde_json would keep the last one silently).
    if !duplicates.is_empty() {
        let problems = duplicates
            .iter()
            .map(|d| {
                let mut p = Problem::at(d.path.clone(), "this key appears twice in one object")
                    .help("remove or rename one of them; JSON keys must be unique");
                p.offset = Some(d.offset);
                p
            })
            .collect();
        return Err(ModelError {
            file: file.to_owned(),
            text: Some(text.to_owned()),
            problems,
        });
    }

    // 4. Shape and types, with the JSON path of the first mismatch.
    // Tracking the path costs a fifth of the time: only an error needs it, so a model that
    // fails is read a second time with it.
    let spec: ModelSpec = serde_json::from_str(text)
        .or_else(|_| {
            let mut de = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize(&mut de)
        })
        .map_err(|e| {
            let path = JsonPath::from_serde(e.path());
            let inner = e.inner();
            let (message, help) = explain_serde_error(&strip_location(inner));
            // An unknown key is shown at the key itself; other errors where serde stopped.
            let key_offset = if message.starts_with("unknown key") {
                locator.exact_key_offset(&path)
            } else {
                None
            };
            let mut p = Problem::at(path, message);
            p.help = help;
            p.offset = key_offset.or_else(|| offset_of(text, inner.line(), inner.column()));
            err(p)
        })?;

    // 5. Meaning.
    let mut model = resolve::resolve(file, spec).map_err(|problems| ModelError {
        file: file.to_owned(),
        text: Some(text.to_owned()),
        problems: problems
            .into_iter()
            .map(|mut p| {
                if p.offset.is_none() {
                    p.offset = p.path.as_ref().and_then(|path| locator.value_offset(path));
                }
                p
            })
            .collect(),
    })?;
    // 6. What a person still has to review, located at each mark.
    if !model.warnings.is_empty() {
        for p in &mut model.warnings.problems {
            p.offset = p.path.as_ref().and_then(|path| locator.key_offset(path));
        }
        model.warnings.text = Some(text.to_owned());
    }
    Ok(model)
}

/// What the top level of `text` (valid JSON) is, in words.
fn json_type_name(text: &str) -> &'static str {
    match text.trim_start().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// The one member read before the model's shape: its format version.
#[derive(serde::Deserialize)]
struct Head {
    version: Option<serde_json::Value>,
}

/// serde_json appends " at line L column C"; we show the place ourselves.
fn strip_location(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Byte offset of serde_json's 1-based line and column (column 0 means "before the line").
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let line_start = if line == 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let mut offset = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    Some(offset)
}

/// Rewrites serde's messages into what a person can act on, with "did you mean" hints.
fn explain_serde_error(message: &str) -> (String, Option<String>) {
    let backticked: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let _ = rest;
        return did_you_mean("unknown key", &backticked);
    }
    if message.starts_with("unknown variant ") {
        return did_you_mean("unknown value", &backticked);
    }
    for (from, to) in [
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected u64", "expected a whole number, 0 or more"),
        (
            "expected a string",
            "expected a string (text in double quotes)",
        ),
        ("expected a boolean", "expected true or false"),
    ] {
        if message.contains(from) {
            return (message.replace(from, to), None);
        }
    }
    (message.to_owned(), None)
}

fn did_you_mean(what: &str, backticked: &[&str]) -> (String, Option<String>) {
    let Some((given, candidates)) = backticked.split_first() else {
        return (what.to_owned(), None);
    };
    let message = format!("{what} `{given}`");
    let best = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(given, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min();
    let valid = candidates
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match best {
        Some((_, c)) => format!("did you mean `{c}`? valid here: {valid}"),
        None if candidates.is_empty() => "nothing is valid here".to_owned(),
        None => format!("valid here: {valid}"),
    };
    (message, Some(help))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_lines_and_columns() {
        let text = "ab\ncdé\nf";
        assert_eq!(offset_of(text, 1, 1), Some(0));
        assert_eq!(offset_of(text, 2, 2), Some(4));
        assert_eq!(offset_of(text, 3, 1), Some(8));
        assert_eq!(offset_of(text, 9, 1), None);
    }

    #[test]
    fn suggests_the_nearest_key() {
        let (m, h) =
            explain_serde_error("unknown field `instanses`, expected one of `name`, `instances`");
        assert_eq!(m, "unknown key `instanses`");
        assert!(h.unwrap().starts_with("did you mean `instances`?"));
        let (_, h) = explain_serde_error("unknown field `zzzzzzzz`, expected `name` or `label`");
        assert_eq!(h.unwrap(), "valid here: `name`, `label`");
    }
}
