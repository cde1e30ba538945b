//! What the diagrams look like: stable node ids, a shape per service kind, the colours of the
//! verdict overlay, and the text escaping every format needs.
//!
//! DOT and Mermaid share the ids and the vocabulary here, so both diagrams tell the same
//! things apart the same way.

use crate::model::{Binding, Service, ServiceKind};
use crate::verify::Status;
use std::fmt::Write as _;

/// Which part of an environment a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeRole {
    App,
    Service,
    External,
    /// An app that exists but the model lacks (verdict overlay).
    ExtraApp,
    /// A service instance that exists but the model lacks (verdict overlay).
    ExtraService,
}

impl NodeRole {
    fn word(self) -> &'static str {
        match self {
            NodeRole::App => "app",
            NodeRole::Service => "service",
            NodeRole::External => "external",
            NodeRole::ExtraApp => "extra_app",
            NodeRole::ExtraService => "extra_service",
        }
    }
}

/// A node id that is stable (built from names, not positions), unique, and safe as a bare
/// identifier in DOT and Mermaid: `staging__app__web`.
///
/// Letters and digits are kept; any other character becomes `_` and two hex digits (`_5f` for
/// `_`, `_2d` for `-`), or `_u` and six hex digits beyond ASCII. An encoded part therefore
/// never contains `__`, which separates the parts: different inputs never share an id.
pub(crate) fn node_id(env: &str, role: NodeRole, key: &str) -> String {
    let mut id = String::with_capacity(env.len() + key.len() + 16);
    encode_part(&mut id, env);
    id.push_str("__");
    id.push_str(role.word());
    id.push_str("__");
    encode_part(&mut id, key);
    id
}

/// The node id of a group of apps in an environment drawn aggregated.
pub(crate) fn group_node_id(env: &str, group: &str) -> String {
    node_id(env, NodeRole::App, &format!("group {group}"))
}

/// The node id of a service kind in an environment drawn aggregated.
pub(crate) fn kind_node_id(env: &str, kind: ServiceKind) -> String {
    node_id(env, NodeRole::Service, &format!("kind {}", kind.as_str()))
}

/// The id of an environment's cluster or subgraph: `env__staging`.
pub(crate) fn env_id(env: &str) -> String {
    let mut id = String::from("env__");
    encode_part(&mut id, env);
    id
}

fn encode_part(out: &mut String, part: &str) {
    for c in part.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_ascii() {
            let _ = write!(out, "_{:02x}", c as u32);
        } else {
            let _ = write!(out, "_u{:06x}", c as u32);
        }
    }
}

/// The Graphviz shape of a service instance of this kind.
pub(crate) fn dot_shape(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::Database => "cylinder",
        ServiceKind::Queue => "cds",
        ServiceKind::Cache => "box3d",
        ServiceKind::Search => "hexagon",
        ServiceKind::Storage => "folder",
        ServiceKind::Monitoring => "octagon",
        ServiceKind::Logging => "note",
        ServiceKind::Email => "tab",
        ServiceKind::Identity => "house",
        ServiceKind::Config => "component",
        ServiceKind::Other => "ellipse",
    }
}

/// Shape of apps, and of externals (outside Cloud Foundry).
pub(crate) const DOT_APP_SHAPE: &str = "box";
pub(crate) const DOT_EXTERNAL_SHAPE: &str = "parallelogram";

/// Fill colours of the plain (no verdict) diagram.
pub(crate) const FILL_APP: &str = "#dbe9f6";
pub(crate) const FILL_MANAGED: &str = "#fff2cc";
pub(crate) const FILL_USER_PROVIDED: &str = "#ffffff";
pub(crate) const FILL_EXTERNAL: &str = "#eeeeee";

/// Pen widths: critical bindings are drawn heavier than non-critical ones.
pub(crate) const PEN_CRITICAL: &str = "2.5";
pub(crate) const PEN_NON_CRITICAL: &str = "1";

/// How a format writes the text of a label: its escaping, its line break, and how it marks a
/// binding non-critical.
pub(crate) struct Markup {
    pub escape: fn(&str) -> String,
    pub br: &'static str,
    pub non_critical: &'static str,
}

/// Graphviz HTML-like labels.
pub(crate) const DOT: Markup = Markup {
    escape: dot_html,
    br: "<BR/>",
    non_critical: "<I>non-critical</I>",
};

/// Mermaid labels.
pub(crate) const MERMAID: Markup = Markup {
    escape: mermaid_text,
    br: "<br/>",
    non_critical: "non-critical",
};

/// What a service instance's node says under its name: `user-provided KIND`, or `KIND ·
/// OFFERING / PLAN` as far as the model gives them.
pub(crate) fn service_facts(s: &Service, m: &Markup) -> String {
    if s.user_provided {
        return format!("user-provided {}", s.kind.as_str());
    }
    let mut f = s.kind.as_str().to_owned();
    if let Some(o) = &s.offering {
        let _ = write!(f, " · {}", (m.escape)(o));
    }
    if let Some(p) = &s.plan {
        let _ = write!(f, " / {}", (m.escape)(p));
    }
    f
}

/// A binding edge's label: its purpose, then, for a non-critical binding, the mark on a line
/// of its own.
pub(crate) fn binding_label(b: &Binding, m: &Markup) -> String {
    let mut label = b.purpose.as_deref().map(m.escape).unwrap_or_default();
    if !b.critical {
        if !label.is_empty() {
            label.push_str(m.br);
        }
        label.push_str(m.non_critical);
    }
    label
}

/// How an element looks under the verdict overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StatusLook {
    /// Outline and edge colour.
    pub stroke: &'static str,
    /// Node fill.
    pub fill: &'static str,
    /// Extra DOT style words (`dashed`, `bold`), comma separated, may be empty.
    pub style: &'static str,
    /// The word in the legend.
    pub label: &'static str,
}

/// The overlay state of one element: a check status, or not checked at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overlay {
    Status(Status),
    NotChecked,
}

impl Overlay {
    /// Worst of an element's checks; no check that ran means "not checked".
    pub(crate) fn of(statuses: impl IntoIterator<Item = Status>) -> Overlay {
        let ran: Vec<Status> = statuses
            .into_iter()
            .filter(|s| *s != Status::NotChecked)
            .collect();
        if ran.is_empty() {
            Overlay::NotChecked
        } else {
            Overlay::Status(Status::worst(ran))
        }
    }

    pub(crate) fn look(self) -> StatusLook {
        match self {
            Overlay::Status(Status::Ok) => StatusLook {
                stroke: "#2e7d32",
                fill: "#c8e6c9",
                style: "",
                label: "OK: seen as expected",
            },
            Overlay::Status(Status::Warning) => StatusLook {
                stroke: "#e69500",
                fill: "#ffe0b2",
                style: "",
                label: "WARNING",
            },
            Overlay::Status(Status::Critical) => StatusLook {
                stroke: "#c62828",
                fill: "#ffcdd2",
                style: "dashed,bold",
                label: "CRITICAL: missing or failed",
            },
            Overlay::Status(Status::Unknown) => StatusLook {
                stroke: "#616161",
                fill: "#e0e0e0",
                style: "dashed",
                label: "UNKNOWN: could not be observed",
            },
            Overlay::Status(Status::NotChecked) | Overlay::NotChecked => StatusLook {
                stroke: "#b0b0b0",
                fill: "#f7f7f7",
                style: "",
                label: "not checked",
            },
        }
    }

    /// All overlay states, in legend order.
    pub(crate) const ALL: [Overlay; 5] = [
        Overlay::Status(Status::Ok),
        Overlay::Status(Status::Warning),
        Overlay::Status(Status::Critical),
        Overlay::Status(Status::Unknown),
        Overlay::NotChecked,
    ];
}

/// The entity of a character that is markup in XML and HTML (`&`, `<`, `>`, `"`, `'`), safe
/// in text and in quoted attributes; `None` for every other character.
pub(crate) fn markup_entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        _ => None,
    }
}

/// Text for a Graphviz HTML-like label: XML-escaped, every line break a `<BR/>`, and
/// characters XML forbids (control characters, U+FFFE, U+FFFF) replaced by U+FFFD, so that
/// `dot` parses any input without a warning.
pub(crate) fn dot_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(entity) = markup_entity(c) {
            out.push_str(entity);
            continue;
        }
        match c {
            // Graphviz 2.43 rejects a text that is a lone `]` (`<B>]</B>`): always a reference.
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<BR/>");
                }
            }
            '\n' => out.push_str("<BR/>"),
            // Graphviz lays tabs out badly; a space reads the same.
            '\t' => out.push(' '),
            // Line and paragraph separators: Graphviz has no glyph width for them.
            '\u{2028}' | '\u{2029}' => out.push_str("<BR/>"),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A DOT quoted string (for ids and plain attribute values), quotes included.
pub(crate) fn dot_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text inside a Mermaid `["..."]` label: entity codes for everything Mermaid or the HTML it
/// produces would interpret, line breaks as spaces.
pub(crate) fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\\' => out.push_str("#92;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_readable_for_plain_names() {
        assert_eq!(
            node_id("staging", NodeRole::App, "web"),
            "staging__app__web"
        );
        assert_eq!(env_id("prod"), "env__prod");
    }

    #[test]
    fn ids_never_collide() {
        let a = node_id("dev", NodeRole::Service, "a-b");
        let b = node_id("dev", NodeRole::Service, "a_b");
        let c = node_id("dev", NodeRole::Service, "a b");
        assert!(a != b && b != c && a != c, "{a} {b} {c}");
        // A key that looks like a separator does not fake another environment.
        assert_ne!(
            node_id("a", NodeRole::App, "b__app__c"),
            node_id("a__app__b", NodeRole::App, "c")
        );
        assert!(
            node_id("é", NodeRole::ExtraApp, "x\"y{}")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        );
    }

    #[test]
    fn html_escapes_markup_and_control_characters() {
        assert_eq!(
            dot_html("a<b>&\"c\"\nd"),
            "a&lt;b&gt;&amp;&quot;c&quot;<BR/>d"
        );
        assert_eq!(dot_html("x\u{1}y\r\nz"), "x\u{fffd}y<BR/>z");
    }

    #[test]
    fn quoted_escapes_quotes_and_backslashes() {
        assert_eq!(dot_quoted("a\"b\\"), "\"a\\\"b\\\\\"");
    }

    #[test]
    fn mermaid_uses_entity_codes() {
        assert_eq!(
            mermaid_text("a \"b\" #1 <x>"),
            "a #quot;b#quot; #35;1 #lt;x#gt;"
        );
    }

    #[test]
    fn overlay_without_evidence_is_not_checked() {
        assert_eq!(Overlay::of([]), Overlay::NotChecked);
        assert_eq!(Overlay::of([Status::NotChecked]), Overlay::NotChecked);
        assert_eq!(
            Overlay::of([Status::Ok, Status::Critical, Status::NotChecked]),
            Overlay::Status(Status::Critical)
        );
    }
}
