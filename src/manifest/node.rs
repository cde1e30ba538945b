//! A YAML document as a tree of located nodes: what the manifest reader and the vars files
//! are parsed into before `((var))` interpolation and interpretation.
//!
//! Parsing goes through serde-saphyr (anchors, aliases and merge keys `<<` are resolved by
//! it; duplicate keys, alias bombs and deep nesting are refused by its budget). The value of
//! every mapping key named `env` is skipped unread ([`Node::Skipped`]): a manifest's `env:`
//! holds secrets, and a value never read can never be printed.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// Keys whose values are never read.
pub(crate) const SKIPPED_KEYS: &[&str] = &["env"];

/// A position in a YAML file, 1-based; 0 when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { line: 0, column: 0 };

    fn from_spanned<T>(s: &Spanned<T>) -> Pos {
        Pos {
            line: s.referenced.line(),
            column: s.referenced.column(),
        }
    }
}

/// What a scalar was read as. Only `true`/`false` are booleans (YAML 1.2); where a boolean
/// is expected, the reader also takes YAML 1.1's `yes`/`no`/`on`/`off` as `cf push` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Str,
    Int,
    Float,
    Bool,
}

/// A YAML node.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    /// A scalar with its text (numbers and booleans as their canonical text).
    Scalar {
        kind: ScalarKind,
        text: String,
    },
    Seq(Vec<Located>),
    /// Entries in file order; keys are scalars.
    Map(Vec<(Key, Located)>),
    /// A value deliberately left unread (see [`SKIPPED_KEYS`]).
    Skipped,
}

/// A mapping key and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub pos: Pos,
}

/// A node and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub node: Node,
    pub pos: Pos,
    /// The text as written when variables were interpolated into it (`((count))`,
    /// `c2-((env))`): what messages show instead of the value, which may be a secret.
    pub shown: Option<String>,
}

impl Node {
    /// A word for error messages: "a string", "a list", ...
    pub fn describe(&self) -> &'static str {
        match self {
            Node::Null => "empty (null)",
            Node::Scalar { kind, .. } => match kind {
                ScalarKind::Str => "a string",
                ScalarKind::Int => "a whole number",
                ScalarKind::Float => "a decimal number",
                ScalarKind::Bool => "a boolean",
            },
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
            Node::Skipped => "an unread value",
        }
    }

    pub fn str(text: impl Into<String>) -> Node {
        Node::Scalar {
            kind: ScalarKind::Str,
            text: text.into(),
        }
    }
}

impl Located {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Located> {
        match &self.node {
            Node::Map(entries) => entries.iter().find(|(k, _)| k.text == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Parses one YAML document, skipping the values of [`SKIPPED_KEYS`]. Errors carry the
/// parser's message and position, never a snippet of the source (which could show a secret).
pub(crate) fn parse(text: &str) -> Result<Located, (String, Pos)> {
    let doc = parse_with::<true>(text)?;
    if let Some(pos) = alias_into_skipped(text) {
        return Err((ENV_ALIAS.to_owned(), pos));
    }
    Ok(doc)
}

/// The error for an alias to a value inside `env:` (valid YAML that archcheck refuses).
pub(crate) const ENV_ALIAS: &str = "an alias refers to an anchor inside `env:`, whose values archcheck \
     never reads (they hold secrets); define the anchor outside `env:`";

/// Where the first alias outside a skipped value (see [`SKIPPED_KEYS`]) refers to an anchor
/// defined inside one: the parser resolves aliases, so without this `name: *secret` would
/// read a value of `env:`.
fn alias_into_skipped(text: &str) -> Option<Pos> {
    use serde_saphyr::granit_parser::{Event, Parser};
    struct Frame {
        map: bool,
        /// In a mapping, whether the next node is a key.
        key_turn: bool,
        /// In a mapping, whether the last key was a skipped one.
        value_skipped: bool,
        /// This container is inside a skipped value.
        skipped: bool,
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut skipped_anchors = std::collections::HashSet::new();
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            return None;
        };
        let node_skipped = stack
            .last()
            .is_some_and(|f| f.skipped || (f.map && !f.key_turn && f.value_skipped));
        let (anchor, opens) = match &event {
            Event::Scalar(_, _, a, _) => (*a, None),
            Event::SequenceStart(_, a, _) => (*a, Some(false)),
            Event::MappingStart(_, a, _) => (*a, Some(true)),
            Event::Alias(id) => {
                if !node_skipped && skipped_anchors.contains(id) {
                    return Some(Pos {
                        line: span.start.line() as u64,
                        column: span.start.col() as u64 + 1,
                    });
                }
                (0, None)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                if let Some(f) = stack.last_mut().filter(|f| f.map) {
                    f.key_turn = !f.key_turn;
                }
                continue;
            }
            _ => continue,
        };
        if anchor != 0 && node_skipped {
            skipped_anchors.insert(anchor);
        }
        if let Some(map) = opens {
            stack.push(Frame {
                map,
                key_turn: true,
                value_skipped: false,
                skipped: node_skipped,
            });
            continue;
        }
        if let Some(f) = stack.last_mut().filter(|f| f.map) {
            if f.key_turn {
                f.value_skipped = match &event {
                    Event::Scalar(k, ..) => SKIPPED_KEYS.contains(&k.as_ref()),
                    _ => false,
                };
            }
            f.key_turn = !f.key_turn;
        }
    }
    None
}

/// Parses one YAML document, reading every value (for vars files, whose `env` may be a
/// variable). Values read here must never be printed.
pub(crate) fn parse_all(text: &str) -> Result<Located, (String, Pos)> {
    parse_with::<false>(text)
}

fn parse_with<const SKIP: bool>(text: &str) -> Result<Located, (String, Pos)> {
    let options = serde_saphyr::options! {
        with_snippet: false,
        // Only true/false are booleans here, so a host named `y` or `on` stays a string;
        // the reader accepts YAML 1.1's yes/no/on/off where a boolean is expected.
        strict_booleans: true,
        crop_radius: 0,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::AsString,
    };
    match serde_saphyr::from_str_with_options::<Option<Spanned<Tree<SKIP>>>>(text, options) {
        Ok(Some(s)) => Ok(Located {
            pos: Pos::from_spanned(&s),
            node: s.value.0,
            shown: None,
        }),
        Ok(None) => Ok(Located {
            node: Node::Null,
            pos: Pos { line: 1, column: 1 },
            shown: None,
        }),
        Err(e) => {
            let pos = e
                .location()
                .map(|l| Pos {
                    line: l.line(),
                    column: l.column(),
                })
                .unwrap_or_default();
            Err((error_message(&e), pos))
        }
    }
}

/// The parser's message without location suffix or source snippet.
fn error_message(e: &serde_saphyr::Error) -> String {
    let opts = serde_saphyr::render_options! {
        formatter: &serde_saphyr::UserMessageFormatter,
        snippets: serde_saphyr::SnippetMode::Off,
    };
    let text = e.render_with_options(opts);
    let text = match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    };
    text.trim().to_owned()
}

/// A node read with or without skipping [`SKIPPED_KEYS`].
struct Tree<const SKIP: bool>(Node);

impl<'de, const SKIP: bool> Deserialize<'de> for Tree<SKIP> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor::<SKIP>).map(Tree)
    }
}

struct NodeVisitor<const SKIP: bool>;

fn scalar(kind: ScalarKind, text: String) -> Node {
    Node::Scalar { kind, text }
}

impl<'de, const SKIP: bool> Visitor<'de> for NodeVisitor<SKIP> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Bool, v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Int, v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Int, v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Int, v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Int, v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Float, v.to_string()))
    }
    fn visit_char<E>(self, v: char) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Str, v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Str, v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(scalar(ScalarKind::Str, v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Node, E> {
        match std::str::from_utf8(v) {
            Ok(s) => Ok(scalar(ScalarKind::Str, s.to_owned())),
            Err(_) => Err(E::custom("binary data that is not UTF-8")),
        }
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Tree::<SKIP>::deserialize(d).map(|t| t.0)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Tree::<SKIP>::deserialize(d).map(|t| t.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Tree<SKIP>>>()? {
            items.push(Located {
                pos: Pos::from_spanned(&item),
                node: item.value.0,
                shown: None,
            });
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Tree<SKIP>>>()? {
            let key_pos = Pos::from_spanned(&key);
            let text = match key.value.0 {
                Node::Scalar { text, .. } => text,
                Node::Null => String::new(),
                other => {
                    return Err(de::Error::custom(format!(
                        "a mapping key must be a plain value, not {}",
                        other.describe()
                    )));
                }
            };
            let value = if SKIP && SKIPPED_KEYS.contains(&text.as_str()) {
                map.next_value::<IgnoredAny>()?;
                Located {
                    node: Node::Skipped,
                    pos: key_pos,
                    shown: None,
                }
            } else {
                let v = map.next_value::<Spanned<Tree<SKIP>>>()?;
                Located {
                    pos: Pos::from_spanned(&v),
                    node: v.value.0,
                    shown: None,
                }
            };
            entries.push((Key { text, pos: key_pos }, value));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Node {
        Node::str(t)
    }

    #[test]
    fn positions_and_kinds() {
        let doc = parse("a: 1\nb:\n  - x\n  - yes\nc: 0755\nd: true\n").unwrap();
        assert!(matches!(
            &doc.get("d").unwrap().node,
            Node::Scalar {
                kind: ScalarKind::Bool,
                ..
            }
        ));
        let a = doc.get("a").unwrap();
        assert_eq!(a.pos, Pos { line: 1, column: 4 });
        assert!(matches!(&a.node, Node::Scalar { kind: ScalarKind::Int, text } if text == "1"));
        let b = doc.get("b").unwrap();
        let Node::Seq(items) = &b.node else {
            panic!("{b:?}")
        };
        assert_eq!(items[0].node, s("x"));
        assert_eq!(items[0].pos.line, 3);
        assert_eq!(items[1].node, s("yes"));
        assert_eq!(doc.get("c").unwrap().node, s("0755"));
    }

    #[test]
    fn anchors_and_merge_keys() {
        let doc = parse(
            "base: &base\n  memory: 1G\n  instances: 2\napp:\n  <<: *base\n  instances: 3\nalias: *base\n",
        )
        .unwrap();
        let app = doc.get("app").unwrap();
        assert!(
            matches!(&app.get("memory").unwrap().node, Node::Scalar { text, .. } if text == "1G")
        );
        assert!(
            matches!(&app.get("instances").unwrap().node, Node::Scalar { text, .. } if text == "3")
        );
        assert!(doc.get("alias").unwrap().get("memory").is_some());
    }

    #[test]
    fn an_alias_to_an_anchor_inside_env_is_refused() {
        for text in [
            "env:\n  P: &p hunter2-distinctive\napplications:\n- name: *p\n",
            "applications:\n- name: a\n  env: &e\n    P: hunter2-distinctive\n  x: *e\n",
            "applications:\n- name: a\n  env:\n    P: [&p hunter2-distinctive]\n  instances: *p\n",
            "x:\n  env: {P: &p hunter2-distinctive}\ny: {<<: {a: *p}}\n",
        ] {
            let (msg, pos) = parse(text).unwrap_err();
            assert!(msg.contains("inside `env:`"), "{text:?}: {msg}");
            assert!(!msg.contains("hunter2"), "{msg}");
            assert!(pos.line > 1, "{text:?}: {pos:?}");
        }
        // Anchors outside env:, and aliases within env:, are fine.
        for text in [
            "a: &x 1\nenv: {P: *x}\nb: *x\n",
            "env: {P: &p s, Q: *p}\nenv2: 1\n",
            "env: &e {P: s}\nother: {env: *e}\n",
        ] {
            parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        }
    }

    #[test]
    fn env_values_are_never_read() {
        let doc = parse("env: &e\n  SECRET: hunter2-distinctive\nother: 1\n").unwrap();
        assert_eq!(doc.get("env").unwrap().node, Node::Skipped);
        assert!(!format!("{doc:?}").contains("hunter2"));
        let all = parse_all("env: prod\n").unwrap();
        assert_eq!(all.get("env").unwrap().node, Node::str("prod"));
    }

    #[test]
    fn errors_have_positions_and_no_snippet() {
        let (msg, pos) = parse("a: 1\nb: [zebra-word\n").unwrap_err();
        assert!(pos.line >= 2, "{msg} {pos:?}");
        assert!(msg.contains("unclosed"), "{msg}");
        assert!(!msg.contains("zebra"), "{msg}");
        let (msg, _) = parse("a: 1\na: 2\n").unwrap_err();
        assert!(msg.contains("duplicate"), "{msg}");
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(parse("").unwrap().node, Node::Null);
        assert_eq!(parse("# only a comment\n").unwrap().node, Node::Null);
    }
}
