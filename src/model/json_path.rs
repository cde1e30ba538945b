//! JSON paths (`apps.web.services[2]`) and where each one stands in the file's text.
//!
//! serde_json reports line and column only for syntax and type errors. Semantic errors found
//! later (a dangling service id, a duplicate CF name) know only their JSON path, so
//! [`Locator`] scans the text once and remembers the byte offset of every key and value.
//! The same scan finds duplicate keys, which serde_json would silently let the last one win.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path from the document root, e.g. `apps.web.services[2]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(pub Vec<Segment>);

impl JsonPath {
    pub fn root() -> Self {
        JsonPath(Vec::new())
    }
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.to_owned()));
        p
    }
    pub fn index(&self, index: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Index(index));
        p
    }
    /// Builds a path from serde_path_to_error's.
    pub fn from_serde(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as S;
        JsonPath(
            path.iter()
                .filter_map(|s| match s {
                    S::Seq { index } => Some(Segment::Index(*index)),
                    S::Map { key } => Some(Segment::Key(key.clone())),
                    S::Enum { variant } => Some(Segment::Key(variant.clone())),
                    S::Unknown => None,
                })
                .collect(),
        )
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document root)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[{}]", serde_json::Value::String(k.clone()))?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Byte offsets of the keys and values of a JSON document, by path.
///
/// Only errors and review marks need an offset, so the table of every path is built on the
/// first lookup: a model that loads cleanly never pays for it (it was most of `check`'s time
/// on a large model).
#[derive(Debug)]
pub(crate) struct Locator<'a> {
    text: &'a str,
    /// Path -> (offset of its key or array element, offset of its value).
    spans: std::cell::OnceCell<HashMap<JsonPath, (usize, usize)>>,
}

/// A key that appears twice in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DuplicateKey {
    pub path: JsonPath,
    pub offset: usize,
    pub first_offset: usize,
}

impl<'a> Locator<'a> {
    /// A locator over `text`, which must already be known to be valid JSON.
    pub(crate) fn new(text: &'a str) -> Self {
        Locator {
            text,
            spans: std::cell::OnceCell::new(),
        }
    }

    /// Scans `text`, which must already be known to be valid JSON (serde_json parsed it).
    /// Returns the locator and every duplicate key found.
    pub(crate) fn scan(text: &'a str) -> (Locator<'a>, Vec<DuplicateKey>) {
        (Locator::new(text), duplicate_keys(text))
    }

    /// Offset of the key (for an object member) or element; falls back to the nearest ancestor.
    pub(crate) fn key_offset(&self, path: &JsonPath) -> Option<usize> {
        self.find(path).map(|(k, _)| k)
    }

    /// Offset of the key of exactly this path, if the text has it.
    pub(crate) fn exact_key_offset(&self, path: &JsonPath) -> Option<usize> {
        self.spans().get(path).map(|(k, _)| *k)
    }

    /// Offset of the value; falls back to the nearest ancestor.
    pub(crate) fn value_offset(&self, path: &JsonPath) -> Option<usize> {
        self.find(path).map(|(_, v)| v)
    }

    fn spans(&self) -> &HashMap<JsonPath, (usize, usize)> {
        self.spans.get_or_init(|| {
            let mut scanner = Scanner::new(self.text, true);
            scanner.document();
            scanner.spans
        })
    }

    fn find(&self, path: &JsonPath) -> Option<(usize, usize)> {
        let spans = self.spans();
        let mut p = path.clone();
        loop {
            if let Some(span) = spans.get(&p) {
                return Some(*span);
            }
            p.0.pop()?;
        }
    }
}

/// Every key that appears twice in one object of `text` (valid JSON), without building the
/// table of every path.
pub(crate) fn duplicate_keys(text: &str) -> Vec<DuplicateKey> {
    let mut scanner = Scanner::new(text, false);
    scanner.document();
    scanner.duplicates
}

/// The keys of one object seen so far, with the offset of each: a list while the object is
/// small (most are), a hash map once it is not (`apps` of a large model has thousands).
enum SeenKeys<'a> {
    Few(Vec<(Cow<'a, str>, usize)>),
    Many(foldhash::HashMap<Cow<'a, str>, usize>),
}

impl Default for SeenKeys<'_> {
    fn default() -> Self {
        SeenKeys::Few(Vec::new())
    }
}

impl<'a> SeenKeys<'a> {
    /// A list longer than this becomes a map.
    const FEW: usize = 16;

    /// Records `key` at `offset`; returns the offset of its first occurrence when it is a
    /// duplicate (and keeps that first offset).
    fn insert(&mut self, key: Cow<'a, str>, offset: usize) -> Option<usize> {
        match self {
            SeenKeys::Few(list) => {
                if let Some((_, first)) = list.iter().find(|(k, _)| *k == key) {
                    return Some(*first);
                }
                list.push((key, offset));
                if list.len() > Self::FEW {
                    *self = SeenKeys::Many(std::mem::take(list).into_iter().collect());
                }
                None
            }
            SeenKeys::Many(map) => match map.entry(key) {
                std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(offset);
                    None
                }
            },
        }
    }
}

/// One step of the path being scanned, borrowed from the text (a key's raw token).
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Whether to record every path's offsets (for [`Locator`]) or only find duplicates.
    record: bool,
    path: Vec<Step<'a>>,
    spans: HashMap<JsonPath, (usize, usize)>,
    duplicates: Vec<DuplicateKey>,
}

/// Deeper than serde_json's own recursion limit (128): valid input never gets here.
const MAX_DEPTH: usize = 256;

impl<'a> Scanner<'a> {
    fn new(text: &'a str, record: bool) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            record,
            path: Vec::new(),
            spans: HashMap::new(),
            duplicates: Vec::new(),
        }
    }

    fn document(&mut self) {
        self.skip_ws();
        let start = self.pos;
        self.value(start, 0);
    }

    /// The path being scanned, decoded.
    fn json_path(&self) -> JsonPath {
        JsonPath(
            self.path
                .iter()
                .map(|s| match s {
                    Step::Key(raw) => Segment::Key(decode(raw).into_owned()),
                    Step::Index(i) => Segment::Index(*i),
                })
                .collect(),
        )
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.bytes.get(self.pos) {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self, key_offset: usize, depth: usize) {
        self.skip_ws();
        let value_offset = self.pos;
        if self.record {
            self.spans
                .insert(self.json_path(), (key_offset, value_offset));
        }
        if depth > MAX_DEPTH {
            return;
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        break;
                    }
                    self.pos += 1;
                }
            }
            None => {}
        }
    }

    fn object(&mut self, depth: usize) {
        self.pos += 1; // {
        let mut seen = SeenKeys::default();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return;
                }
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                Some(b'"') => {
                    let key_offset = self.pos;
                    let raw = self.string();
                    self.path.push(Step::Key(raw));
                    if let Some(first_offset) = seen.insert(decode(raw), key_offset) {
                        self.duplicates.push(DuplicateKey {
                            path: self.json_path(),
                            offset: key_offset,
                            first_offset,
                        });
                    }
                    self.skip_ws();
                    if self.peek() == Some(b':') {
                        self.pos += 1;
                    }
                    self.value(key_offset, depth + 1);
                    self.path.pop();
                }
                _ => return,
            }
        }
    }

    fn array(&mut self, depth: usize) {
        self.pos += 1; // [
        let mut index = 0;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    return;
                }
                Some(b',') => {
                    self.pos += 1;
                }
                Some(_) => {
                    let start = self.pos;
                    self.path.push(Step::Index(index));
                    self.value(start, depth + 1);
                    self.path.pop();
                    index += 1;
                }
                None => return,
            }
        }
    }

    /// Reads a string token and returns its raw text, quotes included.
    fn string(&mut self) -> &'a str {
        let start = self.pos;
        self.pos += 1; // opening quote
        while let Some(b) = self.peek() {
            match b {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        let end = self.pos.min(self.bytes.len());
        self.text.get(start..end).unwrap_or("")
    }
}

/// The text of a raw string token (quotes included): borrowed when it has no escapes.
fn decode(raw: &str) -> std::borrow::Cow<'_, str> {
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    if inner.contains('\\') {
        std::borrow::Cow::Owned(serde_json::from_str::<String>(raw).unwrap_or_default())
    } else {
        std::borrow::Cow::Borrowed(inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_and_indexes() {
        let text = "{\n  \"apps\": {\"web\": {\"services\": [\"db\", {\"service\": \"q\"}]}}\n}";
        let (loc, dups) = Locator::scan(text);
        assert!(dups.is_empty());
        let p = JsonPath::root()
            .key("apps")
            .key("web")
            .key("services")
            .index(1);
        let off = loc.value_offset(&p).unwrap();
        assert_eq!(&text[off..off + 12], "{\"service\": ");
        let p = p.key("service");
        let off = loc.key_offset(&p).unwrap();
        assert_eq!(&text[off..off + 9], "\"service\"");
        assert_eq!(p.to_string(), "apps.web.services[1].service");
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        let text = r#"{"a": {"b": 1}}"#;
        let (loc, _) = Locator::scan(text);
        let missing = JsonPath::root().key("a").key("zzz");
        assert_eq!(loc.value_offset(&missing), Some(6));
    }

    #[test]
    fn reports_duplicate_keys() {
        let text = r#"{"a": 1, "b": {"x": 1, "x": 2}}"#;
        let (_, dups) = Locator::scan(text);
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].path.to_string(), "b.x");
        assert_eq!(&text[dups[0].offset..dups[0].offset + 3], "\"x\"");
    }

    /// Objects of many keys are checked through a map: a duplicate of an early key and one
    /// of a late key are both found, each pointing at its first occurrence.
    #[test]
    fn reports_duplicate_keys_in_large_objects() {
        let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!(
            "{{{}, \"k3\": 0, \"k39\": 0, \"k\\u0033\": 1}}",
            keys.join(", ")
        );
        let (_, dups) = Locator::scan(&text);
        let found: Vec<(String, &str)> = dups
            .iter()
            .map(|d| {
                (
                    d.path.to_string(),
                    &text[d.first_offset..d.first_offset + 4],
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("k3".to_owned(), "\"k3\""),
                ("k39".to_owned(), "\"k39"),
                ("k3".to_owned(), "\"k3\"")
            ]
        );
    }

    #[test]
    fn quotes_keys_that_are_not_plain() {
        let p = JsonPath::root().key("apps").key("my app.v2").index(0);
        assert_eq!(p.to_string(), r#"apps["my app.v2"][0]"#);
    }
}
