//! The first line of a capture: which command printed it, and for which org, space and user.
//!
//! - `cf services` v6/v7: `Getting services in org O / space S as U...`
//! - `cf services` v8: `Getting service instances in org O / space S as U...`
//! - `cf apps`: `Getting apps in org O / space S as U...`
//! - `cf env APP`: `Getting env variables for app A in org O / space S as U...`

use super::Target;

/// The command a first line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// `cf services` of v6 or v7 (`Getting services ...`).
    ServicesV6V7,
    /// `cf services` of v8 (`Getting service instances ...`).
    ServicesV8,
    Apps,
    Env,
}

impl Command {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Command::ServicesV6V7 | Command::ServicesV8 => "`cf services`",
            Command::Apps => "`cf apps`",
            Command::Env => "`cf env APP`",
        }
    }
}

/// A recognised first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FirstLine {
    pub command: Command,
    /// The app of `cf env APP`.
    pub app: Option<String>,
    /// The target, or why the rest of the line could not be read.
    pub target: Result<Target, String>,
    /// The language, when the line is a translation ([`super::locale`]): such a capture is
    /// refused, never read.
    pub localized: Option<&'static str>,
}

/// Reads a first line, English or a translation the cf CLI ships; `None` when it is neither.
pub(crate) fn parse(text: &str) -> Option<FirstLine> {
    let english = parse_english(text);
    if english.as_ref().is_some_and(|f| f.target.is_ok()) {
        return english;
    }
    match super::locale::first_line(text) {
        Some(l) => Some(FirstLine {
            command: l.command,
            app: l.app,
            target: l
                .target
                .ok_or_else(|| "the org or space name is empty".to_owned()),
            localized: Some(l.language),
        }),
        None => english,
    }
}

fn parse_english(text: &str) -> Option<FirstLine> {
    let t = text.trim();
    let (command, rest) = if let Some(r) = t.strip_prefix("Getting service instances in org ") {
        (Command::ServicesV8, r)
    } else if let Some(r) = t.strip_prefix("Getting services in org ") {
        (Command::ServicesV6V7, r)
    } else if let Some(r) = t.strip_prefix("Getting apps in org ") {
        (Command::Apps, r)
    } else if let Some(r) = t.strip_prefix("Getting env variables for app ") {
        let Some((app, r)) = r.split_once(" in org ") else {
            return Some(FirstLine {
                command: Command::Env,
                app: None,
                target: Err("it has no ` in org ` after the app name".into()),
                localized: None,
            });
        };
        return Some(FirstLine {
            command: Command::Env,
            app: Some(app.to_owned()).filter(|a| !a.is_empty()),
            target: target(r),
            localized: None,
        });
    } else {
        return None;
    };
    Some(FirstLine {
        command,
        app: None,
        target: target(rest),
        localized: None,
    })
}

/// `O / space S as U...`
fn target(rest: &str) -> Result<Target, String> {
    let rest = rest
        .strip_suffix("...")
        .ok_or("it does not end with `...` (cut off?)")?;
    let (org, rest) = rest
        .split_once(" / space ")
        .ok_or("it has no ` / space ` after the org")?;
    let (space, user) = rest
        .rsplit_once(" as ")
        .ok_or("it has no ` as USER` after the space")?;
    if org.trim().is_empty() || space.trim().is_empty() {
        return Err("the org or space name is empty".into());
    }
    Ok(Target {
        org: org.to_owned(),
        space: space.to_owned(),
        user: Some(user.to_owned()).filter(|u| !u.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_first_line() {
        let f =
            parse("Getting service instances in org cap / space staging as me@x.gov...").unwrap();
        assert_eq!(f.command, Command::ServicesV8);
        assert_eq!(
            f.target.unwrap(),
            Target {
                org: "cap".into(),
                space: "staging".into(),
                user: Some("me@x.gov".into())
            }
        );
        let f = parse("Getting env variables for app c2 web in org my org / space a b as u...")
            .unwrap();
        assert_eq!(f.app.as_deref(), Some("c2 web"));
        let t = f.target.unwrap();
        assert_eq!((t.org.as_str(), t.space.as_str()), ("my org", "a b"));
        assert_eq!(
            parse("Getting apps in org cap / space dev as u...")
                .unwrap()
                .command,
            Command::Apps
        );
        assert!(parse("name   service").is_none());
    }

    #[test]
    fn explains_a_cut_line() {
        let f = parse("Getting services in org cap / space sta").unwrap();
        assert!(f.target.unwrap_err().contains("`...`"));
        let f = parse("Getting services in org cap...").unwrap();
        assert!(f.target.unwrap_err().contains("/ space"));
    }
}
