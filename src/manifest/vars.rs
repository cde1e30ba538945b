//! `((var))` interpolation as `cf push --vars-file F --var K=V` does it: variables from vars
//! files (YAML mappings) in order, then `--var` in order, a later definition replacing an
//! earlier one. A string that is exactly `((name))` takes the variable's value with its type
//! (`instances: ((count))` becomes a number); a variable inside a longer string is spliced in
//! as text. `((name.key))` reads `key` of a mapping variable. Every variable that is not
//! defined is an error naming it and where it is used.
//!
//! Variable values can be secrets: [`Vars`]'s `Debug` shows names only, no message here
//! contains a value, and every node a variable went into keeps the text as written in
//! [`Located::shown`] (`((name))`), which is what messages about it show. A mapping or list
//! taken whole from a variable takes the variable's place: its nodes are located where the
//! variable is used and shown as `((name))`.

use super::error::ManifestError;
use super::node::{self, Key, Located, Node, Pos, ScalarKind};
use std::collections::BTreeMap;
use std::fmt;

/// Variables for interpolation.
#[derive(Clone, Default)]
pub struct Vars {
    /// Name -> (value, where it was defined).
    values: BTreeMap<String, (Node, String)>,
}

impl fmt::Debug for Vars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vars")
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Vars {
    /// No variables.
    pub fn new() -> Self {
        Vars::default()
    }

    /// The names defined.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Adds the variables of a vars file (a YAML mapping); they replace earlier ones.
    pub fn add_file(&mut self, file: &str, text: &str) -> Result<(), ManifestError> {
        let doc = node::parse_all(text).map_err(|(msg, pos)| {
            ManifestError::new(file, pos, format!("invalid YAML in vars file: {msg}"))
        })?;
        match doc.node {
            Node::Map(entries) => {
                for (k, v) in entries {
                    self.values.insert(k.text, (v.node, file.to_owned()));
                }
                Ok(())
            }
            Node::Null => Ok(()),
            other => Err(ManifestError::new(
                file,
                doc.pos,
                format!(
                    "a vars file must be a YAML mapping, but this one is {}",
                    other.describe()
                ),
            )
            .help("write one `name: value` line per variable, e.g. `env: prod`")),
        }
    }

    /// Adds `KEY=VALUE` from `--var`; the value is a string, as `cf push --var` takes it.
    pub fn add_var(&mut self, kv: &str) -> Result<(), ManifestError> {
        match kv.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                self.values
                    .insert(k.trim().to_owned(), (Node::str(v), "--var".to_owned()));
                Ok(())
            }
            _ => Err(ManifestError::new(
                "--var",
                Pos::UNKNOWN,
                "a --var must be KEY=VALUE".to_owned(),
            )
            .help("e.g. --var env=prod")),
        }
    }

    /// Interpolates every `((var))` in `doc` (values and keys). `file` names the manifest in
    /// errors.
    pub fn interpolate(&self, doc: &mut Located, file: &str) -> Result<(), ManifestError> {
        let mut missing: Vec<(String, Pos)> = Vec::new();
        let mut error = None;
        self.walk(doc, &mut missing, &mut error);
        if let Some(e) = error {
            return Err(e.into_error(file));
        }
        if let Some((_, first)) = missing.first() {
            let mut names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
            names.dedup();
            let mut seen = std::collections::BTreeSet::new();
            names.retain(|n| seen.insert(*n));
            let list = names
                .iter()
                .map(|n| format!("(({n}))"))
                .collect::<Vec<_>>()
                .join(", ");
            let noun = if names.len() == 1 {
                "variable"
            } else {
                "variables"
            };
            return Err(ManifestError::new(
                file,
                *first,
                format!("unresolved {noun} {list}: no --vars-file or --var defines it"),
            )
            .help(format!(
                "give it as cf push would get it: --var {}=VALUE, or a --vars-file with `{}: VALUE`",
                names[0], names[0]
            )));
        }
        Ok(())
    }

    fn walk(&self, n: &mut Located, missing: &mut Vec<(String, Pos)>, err: &mut Option<Splice>) {
        let pos = n.pos;
        match &mut n.node {
            Node::Seq(items) => {
                for item in items {
                    self.walk(item, missing, err);
                }
            }
            Node::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    self.walk_key(k, missing, err);
                    self.walk(v, missing, err);
                }
            }
            Node::Scalar {
                kind: ScalarKind::Str,
                text,
            } => {
                if let Some(new) = self.substitute(text, pos, missing, err) {
                    let written = std::mem::take(text);
                    n.node = new;
                    mark(n, pos, &written);
                }
            }
            _ => {}
        }
    }

    fn walk_key(&self, k: &mut Key, missing: &mut Vec<(String, Pos)>, err: &mut Option<Splice>) {
        if let Some(new) = self.substitute(&k.text, k.pos, missing, err) {
            match new {
                Node::Scalar { text, .. } => k.text = text,
                _ => {
                    err.get_or_insert(Splice {
                        pos: k.pos,
                        message: "a variable used as a mapping key must be a plain value"
                            .to_owned(),
                    });
                }
            }
        }
    }

    /// The replacement of a string holding variables, or `None` when it holds none.
    fn substitute(
        &self,
        text: &str,
        pos: Pos,
        missing: &mut Vec<(String, Pos)>,
        err: &mut Option<Splice>,
    ) -> Option<Node> {
        let refs = find_vars(text);
        if refs.is_empty() {
            return None;
        }
        // The whole string is one variable: the value with its type.
        if refs.len() == 1 && refs[0].0 == 0 && refs[0].1 == text.len() {
            return match self.lookup(&refs[0].2) {
                Some(v) => Some(v.clone()),
                None => {
                    missing.push((refs[0].2.clone(), pos));
                    None
                }
            };
        }
        let mut out = String::new();
        let mut last = 0;
        for (start, end, name) in &refs {
            out.push_str(&text[last..*start]);
            match self.lookup(name) {
                Some(Node::Scalar { text, .. }) => out.push_str(text),
                Some(Node::Null) => {}
                Some(other) => {
                    err.get_or_insert(Splice {
                        pos,
                        message: format!(
                            "variable (({name})) is {} and cannot be part of a longer string",
                            other.describe()
                        ),
                    });
                }
                None => missing.push((name.clone(), pos)),
            }
            last = *end;
        }
        out.push_str(&text[last..]);
        Some(Node::str(out))
    }

    fn lookup(&self, name: &str) -> Option<&Node> {
        let mut parts = name.split('.');
        let first = parts.next()?;
        let mut node = &self.values.get(first)?.0;
        for part in parts {
            match node {
                Node::Map(entries) => {
                    node = &entries.iter().find(|(k, _)| k.text == part)?.1.node;
                }
                _ => return None,
            }
        }
        Some(node)
    }
}

/// Marks `n` and everything in it as coming from `written`, located at `pos`.
fn mark(n: &mut Located, pos: Pos, written: &str) {
    n.pos = pos;
    n.shown = Some(written.to_owned());
    match &mut n.node {
        Node::Seq(items) => items.iter_mut().for_each(|i| mark(i, pos, written)),
        Node::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            k.pos = pos;
            mark(v, pos, written);
        }),
        _ => {}
    }
}

struct Splice {
    pos: Pos,
    message: String,
}

impl Splice {
    fn into_error(self, file: &str) -> ManifestError {
        ManifestError::new(file, self.pos, self.message)
    }
}

/// The `((name))` references in a string: (start, end, name), `!` prefixes dropped. Names are
/// letters, digits, `_`, `-`, `.`, `/` and `:`, as the cf CLI's template engine accepts.
pub(crate) fn find_vars(text: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = text[i..].find("((") {
        let start = i + off;
        let rest = &text[start + 2..];
        match rest.find("))") {
            Some(close) => {
                let inner = &rest[..close];
                let name = inner.strip_prefix('!').unwrap_or(inner);
                let valid = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':'));
                if valid {
                    let end = start + 2 + close + 2;
                    out.push((start, end, name.to_owned()));
                    i = end;
                } else {
                    i = start + 1;
                }
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Located {
        node::parse(text).unwrap()
    }

    #[test]
    fn whole_value_keeps_type_and_splices_text() {
        let mut v = Vars::new();
        v.add_file(
            "vars.yml",
            "count: 3\nenv: prod\nroute:\n  domain: example.gov\n",
        )
        .unwrap();
        let mut d = doc("a: ((count))\nb: c2-((env))-worker\nc: ((route.domain))\n");
        v.interpolate(&mut d, "m.yml").unwrap();
        assert!(
            matches!(&d.get("a").unwrap().node, Node::Scalar { kind: ScalarKind::Int, text } if text == "3")
        );
        assert_eq!(d.get("b").unwrap().node, Node::str("c2-prod-worker"));
        assert_eq!(d.get("c").unwrap().node, Node::str("example.gov"));
    }

    #[test]
    fn interpolated_nodes_keep_the_text_as_written() {
        let mut v = Vars::new();
        v.add_file(
            "vars.yml",
            "key: zebra-771\nroute:\n  domain: example.gov\n",
        )
        .unwrap();
        let mut d = doc("a: ./run --key ((key))\nb: ((route))\nc: plain\n");
        v.interpolate(&mut d, "m.yml").unwrap();
        assert_eq!(
            d.get("a").unwrap().shown.as_deref(),
            Some("./run --key ((key))")
        );
        let b = d.get("b").unwrap();
        assert_eq!(b.pos, Pos { line: 2, column: 4 });
        let inner = b.get("domain").unwrap();
        assert_eq!(
            (inner.pos, inner.shown.as_deref()),
            (Pos { line: 2, column: 4 }, Some("((route))"))
        );
        assert_eq!(d.get("c").unwrap().shown, None);
    }

    #[test]
    fn later_definitions_win() {
        let mut v = Vars::new();
        v.add_file("a.yml", "env: dev\n").unwrap();
        v.add_file("b.yml", "env: staging\n").unwrap();
        let mut d = doc("a: ((env))\n");
        v.interpolate(&mut d, "m.yml").unwrap();
        assert_eq!(d.get("a").unwrap().node, Node::str("staging"));
        v.add_var("env=prod").unwrap();
        let mut d = doc("a: ((env))\n");
        v.interpolate(&mut d, "m.yml").unwrap();
        assert_eq!(d.get("a").unwrap().node, Node::str("prod"));
    }

    #[test]
    fn unresolved_names_the_variable_and_place() {
        let v = Vars::new();
        let mut d = doc("a: 1\nb: x-((nope))\nc: ((nope))\n");
        let e = v.interpolate(&mut d, "m.yml").unwrap_err();
        assert_eq!((e.line, e.column), (2, 4));
        assert!(e.to_string().contains("((nope))"), "{e}");
        assert!(e.to_string().starts_with("m.yml:2:4"), "{e}");
    }

    #[test]
    fn vars_file_must_be_a_mapping() {
        let e = Vars::new().add_file("v.yml", "- a\n- b\n").unwrap_err();
        assert!(e.to_string().contains("must be a YAML mapping"), "{e}");
        assert!(Vars::new().add_var("novalue").is_err());
    }

    #[test]
    fn debug_never_shows_values() {
        let mut v = Vars::new();
        v.add_file("v.yml", "password: zebra-secret-771\n").unwrap();
        let d = format!("{v:?}");
        assert!(d.contains("password") && !d.contains("zebra"), "{d}");
    }

    #[test]
    fn finds_vars() {
        assert_eq!(find_vars("((a))").len(), 1);
        assert_eq!(find_vars("x((a.b))y((!c))")[1].2, "c");
        assert!(find_vars("((not a var))").is_empty());
        assert!(find_vars("(( ").is_empty());
    }
}
