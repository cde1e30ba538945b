//! Credentials in captured text, found so that no output can quote them.
//!
//! A capture file may hold credentials wherever a `cf env` output landed in it, whole, cut
//! off, or pasted after a `cf services` table: VCAP_SERVICES (each binding's `credentials`),
//! and the `User-Provided:` environment variables. [`remember_in`] reads every such value
//! whose key names a secret ([`is_secret_key`]: `password`, `SECRET_TOKEN`, a URL with a
//! password...) before any parser runs and hands it to [`crate::secret::remember`], so every
//! output redacts it. (Not every value: `RAILS_ENV: staging` would redact the word
//! `staging` from every report.) [`shape_of`] is the second guard, for the excerpts of lines not understood: a
//! line that looks like a JSON member or an environment variable is quoted by its key only,
//! so a credential in JSON that does not parse (cut off) is not quoted either.

use serde_json::Value;

/// Remembers every credential in `text` (see the module documentation).
pub(crate) fn remember_in(text: &str) {
    let mut user_provided = false;
    let mut skip_until = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        if t == "User-Provided:" {
            user_provided = true;
            continue;
        }
        if user_provided {
            match t.split_once(':') {
                Some((key, value)) if !t.is_empty() && is_env_name(key) => {
                    remember_value(key, value.trim());
                    continue;
                }
                _ => user_provided = false,
            }
        }
        if start < skip_until {
            continue;
        }
        // A JSON object starts on this line: `{`, `VCAP_SERVICES: {`, `"VCAP_SERVICES": {`.
        let Some(brace) = json_start(line) else {
            continue;
        };
        let from = start + brace;
        let mut values = serde_json::Deserializer::from_str(&text[from..]).into_iter::<Value>();
        if let Some(Ok(value)) = values.next() {
            skip_until = from + values.byte_offset();
            remember_credentials(&value, false);
        }
    }
}

/// Where a JSON object starts on `line`, if one does: at its first non-blank character, or
/// after a `KEY:` prefix.
fn json_start(line: &str) -> Option<usize> {
    let t = line.trim_end();
    if !t.ends_with('{') && !t.trim_start().starts_with('{') {
        return None;
    }
    line.find('{')
}

/// Remembers the secret values under a `credentials` key, at any depth.
fn remember_credentials(value: &Value, inside: bool) {
    fn walk(key: &str, value: &Value, inside: bool) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    walk(k, v, inside || k == "credentials");
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(key, v, inside)),
            Value::String(s) if inside => remember_value(key, s),
            Value::Number(n) if inside => remember_value(key, &n.to_string()),
            _ => {}
        }
    }
    walk("", value, inside);
}

/// Remembers `value` when `key` names a secret, and any URL password in it.
fn remember_value(key: &str, value: &str) {
    if is_secret_key(key) {
        crate::secret::remember(value);
    }
    // A URL's password (`postgres://user:PASSWORD@host`) is a secret whatever the key.
    if let Some(password) = url_password(value) {
        crate::secret::remember(password);
    }
}

/// Whether a credential's or variable's name says it holds a secret.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "pass",
        "pwd",
        "secret",
        "token",
        "key",
        "cred",
        "auth",
        "private",
        "cert",
        "uri",
        "url",
        "dsn",
        "connection",
        "signature",
        "salt",
        "session",
        "cookie",
        "license",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// The password of a `scheme://user:password@host` URL.
fn url_password(s: &str) -> Option<&str> {
    let (_, rest) = s.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    Some(password)
}

fn is_env_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How a line not understood may be quoted: as it is, or, when it looks like a JSON member
/// (`"password": "..."`) or an environment variable (`DB_PASSWORD: ...`), by its key only
/// (`"password": …`). Lines of JSON punctuation (`{`, `},`) are quoted as they are.
pub(crate) fn shape_of(line: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let t = line.trim_start();
    let indent = &line[..line.len() - t.len()];
    if let Some(rest) = t.strip_prefix('"')
        && let Some(close) = rest.find('"')
        && rest[close + 1..].trim_start().starts_with(':')
    {
        return Cow::Owned(format!("{indent}\"{}\": …", &rest[..close]));
    }
    if let Some((key, value)) = t.split_once(':')
        && is_env_name(key)
        && value.starts_with(' ')
        && !value.trim().is_empty()
    {
        return Cow::Owned(format!("{indent}{key}: …"));
    }
    // A line holding a JSON value after other text (`VCAP_SERVICES: {"a": "b"}` on one line).
    if let Some(brace) = t.find(['{', '[']).filter(|&i| t[i..].contains('"')) {
        return Cow::Owned(format!("{indent}{}…", &t[..=brace]));
    }
    Cow::Borrowed(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::redact;

    #[test]
    fn credentials_anywhere_in_a_capture_are_remembered() {
        let text = "Getting services in org o / space s as u...\n\
                    name   service\n\
                    \n\
                    System-Provided:\n\
                    {\n \"VCAP_SERVICES\": {\n  \"aws-rds\": [\n   {\n    \"credentials\": {\n     \
                    \"password\": \"pw-planted-rds-17\",\n     \"uri\": \"postgres://u:pw-in-uri-42@h/db\",\n     \
                    \"port\": 5432987,\n     \"hostname\": \"host-not-secret\"\n    },\n    \"name\": \"c2-db\"\n   }\n  ]\n }\n}\n\
                    \n\
                    User-Provided:\n\
                    API_KEY: key-planted-user-9\n\
                    \n\
                    VCAP_SERVICES: {\n  \"redis\": [{\"credentials\": {\"secret\": \"v7-planted-55\"}}]\n}\n";
        remember_in(text);
        let all = format!("{text} pw-planted-rds-17 pw-in-uri-42 key-planted-user-9 v7-planted-55");
        let out = redact(&all);
        for planted in [
            "pw-planted-rds-17",
            "pw-in-uri-42",
            "key-planted-user-9",
            "v7-planted-55",
        ] {
            assert!(!out.contains(planted), "{planted} in {out}");
        }
        // Names are not credentials, nor are values whose key names no secret.
        assert!(out.contains("c2-db") && out.contains("aws-rds"), "{out}");
        assert!(
            out.contains("host-not-secret") && out.contains("5432987"),
            "{out}"
        );
        remember_in("User-Provided:\nRAILS_ENV: staging-like-env\n");
        assert!(redact("staging-like-env").contains("staging-like-env"));
    }

    #[test]
    fn a_hostile_file_of_braces_is_read_in_linear_time() {
        let text = "{\n".repeat(5_000);
        remember_in(&text);
        let text = "{\"a\": [\n".repeat(5_000);
        remember_in(&text);
    }

    #[test]
    fn lines_that_may_hold_credentials_are_quoted_by_key_only() {
        assert_eq!(
            shape_of("    \"password\": \"hunter2\","),
            "    \"password\": …"
        );
        assert_eq!(shape_of("DB_PASSWORD: hunter2"), "DB_PASSWORD: …");
        assert_eq!(
            shape_of("VCAP_SERVICES: {\"x\": [{\"password\": \"p\"}]}"),
            "VCAP_SERVICES: …"
        );
        assert_eq!(shape_of("  [{\"password\": \"p\"}]"), "  […");
        assert_eq!(shape_of("  },"), "  },");
        assert_eq!(
            shape_of("c2-db   aws-rds   bound"),
            "c2-db   aws-rds   bound"
        );
        assert_eq!(
            shape_of("web:1/1  https://x.example.com"),
            "web:1/1  https://x.example.com"
        );
        assert_eq!(shape_of("System-Provided:"), "System-Provided:");
    }
}
