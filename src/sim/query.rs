//! Query parameters of the v3 list and show endpoints, as the Cloud Controller reads them:
//! comma-separated filters ([`split_list`]: split at each comma and the white space after
//! it, then each value URI-unescaped, so `%2C` in a value is a comma of the value), `page`
//! and `per_page` (1 to 5000, default 50), `order_by`
//! (`name`, `-name`, `created_at`, ...), `include`, `embed` and `fields[resource]=keys`.
//! Unknown parameters and bad values are `400 CF-BadQueryParameter`. Also the `pagination`
//! block, whose links are absolute and repeat the request's query.

use super::api::error::ApiError;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};

/// What an endpoint accepts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Spec {
    pub filters: &'static [&'static str],
    pub includes: &'static [&'static str],
    pub embeds: &'static [&'static str],
    /// `fields[RESOURCE]` and the keys each accepts.
    pub fields: &'static [(&'static str, &'static [&'static str])],
    /// A list endpoint: `page`, `per_page` and `order_by` are accepted.
    pub list: bool,
    /// `order_by=name` is accepted (besides `created_at` and `updated_at`).
    pub by_name: bool,
}

impl Spec {
    /// A list endpoint that takes `filters` and orders by name too (besides `created_at` and
    /// `updated_at`), with no `include`, `embed` or `fields` (set them after, with `..`).
    pub(crate) const fn named_list(filters: &'static [&'static str]) -> Spec {
        Spec {
            by_name: true,
            ..Spec::list(filters)
        }
    }

    /// A list endpoint of a resource without a name: `filters`, ordered by its times only.
    pub(crate) const fn list(filters: &'static [&'static str]) -> Spec {
        Spec {
            filters,
            includes: &[],
            embeds: &[],
            fields: &[],
            list: true,
            by_name: false,
        }
    }

    /// What the show endpoint of the same resource accepts: its `include`, `embed` and
    /// `fields`, and no filters, paging or order.
    pub(crate) const fn for_show(self) -> Spec {
        Spec {
            filters: &[],
            list: false,
            by_name: false,
            ..self
        }
    }
}

/// The orders every list accepts, and `name` where the resource has one.
const ORDERS: [&str; 3] = ["created_at", "updated_at", "name"];

#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    filters: BTreeMap<String, Vec<String>>,
    /// The same values as sets, for fast matching against long GUID lists.
    sets: BTreeMap<String, HashSet<String>>,
    pub page: usize,
    pub per_page: usize,
    /// Field and descending.
    pub order_by: Option<(String, bool)>,
    pub include: Vec<String>,
    pub embed: Vec<String>,
    pub fields: BTreeMap<String, Vec<String>>,
    /// Every parameter but `page` and `per_page`, for the pagination links.
    rest: Vec<(String, String)>,
    /// `created_ats` and `updated_ats`, with or without a relational operator (`gt`, `gte`,
    /// `lt`, `lte`), as (operator, seconds since the epoch); equality is `eq`, one a value.
    /// The simulator's resources are not updated apart from their creation, so both compare
    /// with the creation time.
    times: Vec<(String, i64)>,
}

/// The operator of a timestamp filter (`created_ats`, `updated_ats[gte]`, ...): `eq` without
/// one; `None` for any other key.
fn time_filter(key: &str) -> Option<&'static str> {
    let rest = key
        .strip_prefix("created_ats")
        .or_else(|| key.strip_prefix("updated_ats"))?;
    match rest {
        "" => Some("eq"),
        "[gt]" => Some("gt"),
        "[gte]" => Some("gte"),
        "[lt]" => Some("lt"),
        "[lte]" => Some("lte"),
        _ => None,
    }
}

fn bad(detail: impl Into<String>) -> ApiError {
    ApiError::bad_query(detail)
}

fn quoted(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|n| format!("'{}'", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Query {
    /// Checks and reads the parameters; `max_per_page` caps `per_page` (the simulator's
    /// `--max-per-page`).
    pub(crate) fn parse(
        params: &[(String, String)],
        spec: &Spec,
        max_per_page: Option<u32>,
    ) -> Result<Query, ApiError> {
        let mut q = Query {
            page: 1,
            per_page: 50,
            ..Query::default()
        };
        let mut unknown = Vec::new();
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (k, v) in params {
            seen.insert(k, v);
        }
        for (&k, &v) in &seen {
            let list = split_list;
            if spec.list && k == "page" {
                q.page = match v.parse::<usize>() {
                    Ok(n) if n >= 1 => n,
                    _ => return Err(bad("Page must be a positive integer")),
                };
                continue;
            }
            if spec.list && k == "per_page" {
                q.per_page = match v.parse::<usize>() {
                    Ok(n) if (1..=5000).contains(&n) => n,
                    Ok(n) if n > 5000 => return Err(bad("Per page must be between 1 and 5000")),
                    _ if v.len() > 4 && v.bytes().all(|b| b.is_ascii_digit()) => {
                        return Err(bad("Per page must be between 1 and 5000"));
                    }
                    _ => return Err(bad("Per page must be a positive integer")),
                };
                continue;
            }
            q.rest.push((k.to_owned(), v.to_owned()));
            if let Some(op) = spec.list.then(|| time_filter(k)).flatten() {
                for t in v.split(',') {
                    let secs = crate::time_format::parse_rfc3339(t).ok_or_else(|| {
                        bad(format!(
                            "{} has an invalid timestamp format. Timestamps should be formatted as 'YYYY-MM-DDThh:mm:ssZ'",
                            if k.starts_with("created") { "Created ats" } else { "Updated ats" }
                        ))
                    })?;
                    q.times.push((op.to_owned(), secs));
                }
                continue;
            }
            if spec.list && k == "order_by" {
                let (field, desc) = match v.strip_prefix('-') {
                    Some(f) => (f, true),
                    None => (v.strip_prefix('+').unwrap_or(v), false),
                };
                let orders = if spec.by_name {
                    &ORDERS[..]
                } else {
                    &ORDERS[..2]
                };
                if !orders.contains(&field) {
                    return Err(bad(format!("Order by can only be: {}", quoted(orders))));
                }
                q.order_by = Some((field.to_owned(), desc));
            } else if k == "include" && !spec.includes.is_empty() {
                for inc in list(v) {
                    if !spec.includes.contains(&inc.as_str()) {
                        return Err(bad(format!(
                            "Invalid included resource: '{inc}'. Valid included resources are: {}",
                            quoted(spec.includes.iter())
                        )));
                    }
                    q.include.push(inc);
                }
            } else if k == "embed" && !spec.embeds.is_empty() {
                for e in list(v) {
                    if !spec.embeds.contains(&e.as_str()) {
                        return Err(bad(format!(
                            "Invalid embedded resource: '{e}'. Valid embedded resources are: {}",
                            quoted(spec.embeds.iter())
                        )));
                    }
                    q.embed.push(e);
                }
            } else if let Some(res) = k
                .strip_prefix("fields[")
                .and_then(|r| r.strip_suffix(']'))
                .filter(|_| !spec.fields.is_empty())
            {
                let Some((_, keys)) = spec.fields.iter().find(|(r, _)| *r == res) else {
                    return Err(bad(format!(
                        "The field resource '{res}' is not valid. Valid resources are: {}",
                        quoted(spec.fields.iter().map(|(r, _)| r))
                    )));
                };
                let wanted = list(v);
                if let Some(k) = wanted.iter().find(|w| !keys.contains(&w.as_str())) {
                    return Err(bad(format!(
                        "The field '{k}' is not valid for fields[{res}]. Valid fields are: {}",
                        quoted(keys.iter())
                    )));
                }
                q.fields.insert(res.to_owned(), wanted);
            } else if spec.filters.contains(&k) {
                q.sets.insert(k.to_owned(), list(v).into_iter().collect());
                q.filters.insert(k.to_owned(), list(v));
            } else {
                unknown.push(k.to_owned());
            }
        }
        if !unknown.is_empty() {
            let mut valid: Vec<String> = Vec::new();
            if spec.list {
                valid.extend(["page", "per_page", "order_by"].map(String::from));
            }
            valid.extend(spec.filters.iter().map(|s| s.to_string()));
            if !spec.includes.is_empty() {
                valid.push("include".into());
            }
            if !spec.embeds.is_empty() {
                valid.push("embed".into());
            }
            valid.extend(spec.fields.iter().map(|(r, _)| format!("fields[{r}]")));
            return Err(bad(format!(
                "Unknown query parameter(s): {}. Valid parameters are: {}",
                quoted(&unknown),
                quoted(&valid)
            )));
        }
        if let Some(cap) = max_per_page {
            q.per_page = q.per_page.min(cap.max(1) as usize);
        }
        Ok(q)
    }

    /// True when `created` passes every `created_ats` / `updated_ats` filter.
    pub(crate) fn allows_time(&self, created: i64) -> bool {
        self.times.iter().all(|(op, t)| match op.as_str() {
            "gt" => created > *t,
            "gte" => created >= *t,
            "lt" => created < *t,
            "lte" => created <= *t,
            _ => true,
        }) && {
            let eq: Vec<i64> = self
                .times
                .iter()
                .filter(|(op, _)| op == "eq")
                .map(|(_, t)| *t)
                .collect();
            eq.is_empty() || eq.contains(&created)
        }
    }

    /// The values of a filter, if given.
    pub(crate) fn filter(&self, name: &str) -> Option<&[String]> {
        self.filters.get(name).map(Vec::as_slice)
    }

    /// True when the filter is absent or lists `value`.
    pub(crate) fn allows(&self, name: &str, value: &str) -> bool {
        // The set, not the list: filters hold up to hundreds of GUIDs, checked per resource.
        self.sets.get(name).is_none_or(|vs| vs.contains(value))
    }

    /// True when the `names` filter is absent or lists `name` in any case: the Cloud
    /// Controller's name columns are case-insensitive (see [`crate::cf_name`]).
    pub(crate) fn allows_name(&self, name: &str) -> bool {
        self.sets
            .get("names")
            .is_none_or(|vs| vs.contains(name) || vs.iter().any(|v| crate::cf_name::same(v, name)))
    }

    /// True when the filter is absent or lists one of `values`.
    pub(crate) fn allows_any<'a>(
        &self,
        name: &str,
        mut values: impl Iterator<Item = &'a str>,
    ) -> bool {
        match self.sets.get(name) {
            None => true,
            Some(vs) => values.any(|x| vs.contains(x)),
        }
    }

    pub(crate) fn includes(&self, what: &str) -> bool {
        self.include.iter().any(|i| i == what)
    }

    pub(crate) fn embeds(&self, what: &str) -> bool {
        self.embed.iter().any(|e| e == what)
    }

    /// Sorts by `order_by` (the items come in creation order, the default).
    pub(crate) fn sort<T>(
        &self,
        items: &mut [T],
        name: impl Fn(&T) -> &str,
        created: impl Fn(&T) -> i64,
    ) {
        if let Some((field, desc)) = &self.order_by {
            if field == "name" {
                items.sort_by(|a, b| name(a).cmp(name(b)));
            } else {
                items.sort_by_key(|a| created(a));
            }
            if *desc {
                items.reverse();
            }
        }
    }

    /// The requested page of `items`.
    pub(crate) fn page_of<T>(&self, items: Vec<T>) -> Vec<T> {
        let start = (self.page - 1).saturating_mul(self.per_page);
        items.into_iter().skip(start).take(self.per_page).collect()
    }

    /// The `pagination` block for `total` results at `base` + `path`.
    pub(crate) fn pagination(&self, total: usize, base: &str, path: &str) -> Value {
        let last = total.div_ceil(self.per_page).max(1);
        // As the Cloud Controller builds them (Ruby's `Hash#to_query`): every parameter,
        // `page` and `per_page` among them, sorted by name and form-encoded.
        let href = |page: usize| {
            let mut params = self.rest.clone();
            params.push(("page".into(), page.to_string()));
            params.push(("per_page".into(), self.per_page.to_string()));
            params.sort();
            let q: Vec<String> = params
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
            json!({ "href": format!("{base}{path}?{}", q.join("&")) })
        };
        json!({
            "total_results": total,
            "total_pages": last,
            "first": href(1),
            "last": href(last),
            "next": if self.page < last { href(self.page + 1) } else { Value::Null },
            "previous": if self.page > 1 { href(self.page - 1) } else { Value::Null },
        })
    }
}

/// A comma-separated filter value as the Cloud Controller's `BaseMessage.to_array!` reads it:
/// `''` is one empty value; otherwise split at every comma and the white space that follows
/// it (`/,\s*/`), each part URI-unescaped (`%XX` only; a `+` stays a `+`). So a value that
/// holds a comma is sent with it escaped (`%2C`, `%252C` in the URL).
pub(crate) fn split_list(v: &str) -> Vec<String> {
    if v.is_empty() {
        return vec![String::new()];
    }
    let mut out = Vec::new();
    let mut rest = v;
    loop {
        match rest.find(',') {
            Some(i) => {
                out.push(uri_unescape(&rest[..i]));
                rest = rest[i + 1..].trim_start_matches(|c: char| c.is_ascii_whitespace());
            }
            None => {
                out.push(uri_unescape(rest));
                return out;
            }
        }
    }
}

/// `%XX` decoded, everything else (a `+` too) kept, as Addressable's `URI.unescape`.
fn uri_unescape(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    percent_decode(&s.replace('+', "%2B"))
}

/// Form-encodes as Ruby's `CGI.escape`: all but `A-Za-z0-9-._~`, a space as `+`.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` and `+` (form encoding); invalid escapes are kept as written.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a raw query string into decoded pairs.
pub(crate) fn parse_query_string(raw: Option<&str>) -> Vec<(String, String)> {
    raw.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec = Spec {
        filters: &["names", "space_guids"],
        includes: &["space"],
        embeds: &[],
        fields: &[("space", &["guid", "name"])],
        list: true,
        by_name: true,
    };

    fn p(q: &str) -> Result<Query, ApiError> {
        Query::parse(&parse_query_string(Some(q)), &SPEC, None)
    }

    #[test]
    fn reads_parameters() {
        let q =
            p("names=a,b&per_page=2&page=3&order_by=-name&include=space&fields%5Bspace%5D=name")
                .unwrap();
        assert_eq!(q.filter("names").unwrap(), ["a", "b"]);
        assert!(q.allows("names", "b") && !q.allows("names", "c"));
        assert!(q.allows_name("B") && q.allows_name("a") && !q.allows_name("C"));
        assert!(q.allows("space_guids", "anything"));
        assert_eq!((q.page, q.per_page), (3, 2));
        assert_eq!(q.order_by, Some(("name".into(), true)));
        assert!(q.includes("space"));
        assert_eq!(q.fields["space"], ["name"]);
    }

    #[test]
    fn rejects_bad_parameters() {
        for (q, why) in [
            ("per_page=5001", "between 1 and 5000"),
            ("per_page=99999999999999999999999", "between 1 and 5000"),
            ("per_page=0", "Per page must be a positive integer"),
            ("per_page=x", "Per page must be a positive integer"),
            ("page=0", "Page must be a positive integer"),
            ("colour=red", "Unknown query parameter(s): 'colour'"),
            ("order_by=size", "Order by can only be"),
            ("include=app", "Invalid included resource: 'app'"),
            ("fields[app]=name", "field resource 'app'"),
            ("fields[space]=colour", "field 'colour'"),
        ] {
            let e = p(q).unwrap_err();
            assert_eq!(e.status, 400, "{q}");
            assert!(e.detail.contains(why), "{q}: {}", e.detail);
        }
    }

    #[test]
    fn pagination_links_repeat_the_query() {
        let q = p("names=a,b&per_page=2&page=2").unwrap();
        let pg = q.pagination(5, "http://h:1", "/v3/apps");
        assert_eq!(pg["total_results"], 5);
        assert_eq!(pg["total_pages"], 3);
        assert_eq!(
            pg["next"]["href"],
            "http://h:1/v3/apps?names=a%2Cb&page=3&per_page=2"
        );
        assert_eq!(
            pg["previous"]["href"],
            "http://h:1/v3/apps?names=a%2Cb&page=1&per_page=2"
        );
        assert_eq!(
            pg["last"]["href"],
            "http://h:1/v3/apps?names=a%2Cb&page=3&per_page=2"
        );
        let empty = p("").unwrap().pagination(0, "http://h", "/v3/apps");
        assert_eq!(empty["total_pages"], 1);
        assert!(empty["next"].is_null() && empty["previous"].is_null());
        let capped =
            Query::parse(&parse_query_string(Some("per_page=5000")), &SPEC, Some(2)).unwrap();
        assert_eq!(capped.per_page, 2);
    }

    #[test]
    fn lists_split_as_the_cloud_controller_splits_them() {
        assert_eq!(split_list("a,b"), ["a", "b"]);
        assert_eq!(split_list("a, b,\tc"), ["a", "b", "c"]);
        assert_eq!(split_list("a%2Cb,c"), ["a,b", "c"]);
        assert_eq!(split_list("100%25,x+y"), ["100%", "x+y"]);
        assert_eq!(split_list(""), [""]);
        assert_eq!(split_list("a,"), ["a", ""]);
        let q = p("names=my%252Cspace,dev").unwrap();
        assert_eq!(q.filter("names").unwrap(), ["my,space", "dev"]);
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("a%2Cb+c%5B"), "a,b c[");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_encode("fields[space]"), "fields%5Bspace%5D");
    }
}
