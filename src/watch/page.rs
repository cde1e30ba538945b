//! The status page `watch` serves at `/` (every watched environment) and `/env/NAME` (one):
//! what a team opens when the alert fires.
//!
//! It is HTML made here, on the server, from the exported view (so it is never better than
//! the evidence, and a stale view shows as UNKNOWN), with every model string and message
//! escaped by [`esc`]. Each environment shows its status and headline, how old the evidence
//! is, its complete counts of checks by status, the findings that are not OK with impact,
//! repair and cause, the diagram with the verdict drawn on it, and a table of its bindings;
//! then the timeline of transitions. Status is always a word with an icon, never colour
//! alone.
//!
//! The page stays small at any model size. `/` is an overview: per environment at most
//! [`OVERVIEW_ITEMS`] findings (most severe first: CRITICAL, UNKNOWN, WARNING, otherwise in
//! verdict order) and binding rows (not OK first), then a line saying how many more there
//! are, with a link to `/env/NAME`; the counts are always complete. `/env/NAME` shows
//! [`PAGE_ITEMS`] findings and binding rows per page, `?page=N` for the rest, both lists
//! paged together (one number to link to, and the same URL is what the script refetches).
//! `/status` has every check.
//!
//! The diagram is laid out by Graphviz `dot` on the watch's host and served as an image
//! (`/diagram/NAME.svg`), cached per verdict; an environment too large to lay out is drawn
//! aggregated (`render`'s [`crate::render::scope`]: instances grouped by kind, apps by the
//! kinds they bind), so the image stays small too. Without `dot` (e.g. watch running as a CF
//! app) the page says so and the bindings table, always there, is the readable fallback:
//! nothing is loaded from the network, and no layout engine is shipped to the browser.
//!
//! `page.js` (embedded, no inline script: the Content-Security-Policy allows scripts from the
//! watch itself only) fetches the same URL every interval and swaps the live part in, so the
//! page updates without a reload; when it cannot, or its content is older than 3 intervals,
//! it says so in the title and a banner.

use super::schedule;
use super::state::{Freshness, Shared, View, human, rfc3339};
use super::store::{Transition, rfc3339_ms};
use crate::report::{Counts, Finding, failing_rank};
use crate::verify::{Check, CheckKind, Status};
use std::collections::VecDeque;
use std::fmt::Write;
use std::time::SystemTime;

/// The stylesheet, embedded.
pub(crate) const CSS: &str = include_str!("assets/page.css");
/// The script, embedded.
pub(crate) const JS: &str = include_str!("assets/page.js");

/// The Content-Security-Policy of every answer: nothing but the watch's own scripts, styles
/// and images; no inline script or style, no frames, no forms, no base URL.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; base-uri 'none'; form-action 'none'; \
                       frame-ancestors 'none'";

/// Transitions shown on the page.
const TIMELINE_SHOWN: usize = 50;

/// Findings, and binding rows, per environment on `/`.
pub(crate) const OVERVIEW_ITEMS: usize = 20;

/// Findings, and binding rows, per page of `/env/NAME`.
pub(crate) const PAGE_ITEMS: usize = 200;

/// Text for HTML: `&`, `<`, `>`, `"` and `'` as entities (safe in text and in quoted
/// attributes).
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match crate::render::style::markup_entity(c) {
            Some(entity) => out.push_str(entity),
            None => out.push(c),
        }
    }
    out
}

/// A path segment for a URL in an attribute: percent-encoded except unreserved characters.
fn url_part(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The icon beside a status word (text, so it reads without colour and in any font).
fn icon(s: Status) -> &'static str {
    match s {
        Status::Ok => "✔",
        Status::Warning => "▲",
        Status::Critical => "✖",
        Status::Unknown => "?",
        Status::NotChecked => "–",
    }
}

fn class(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Warning => "warning",
        Status::Critical => "critical",
        Status::Unknown => "unknown",
        Status::NotChecked => "not-checked",
    }
}

/// A status badge: icon and word.
fn badge(s: Status) -> String {
    format!(
        "<span class=\"badge {}\"><span aria-hidden=\"true\">{}</span> {}</span>",
        class(s),
        icon(s),
        s
    )
}

/// Whether the diagram can be drawn here (Graphviz `dot` runs).
pub(crate) fn dot_available() -> bool {
    crate::render::svg("digraph { a }").is_ok()
}

/// What the page needs beyond the view.
pub(crate) struct PageContext<'a> {
    pub shared: &'a Shared,
    pub view: &'a View,
    /// One environment (`/env/NAME`), or all (`/`).
    pub env: Option<&'a str>,
    /// Of `/env/NAME`, the page asked for (`?page=N`, 1 the first; clamped to the pages
    /// there are).
    pub page: usize,
    /// Graphviz `dot` is available: diagrams are images.
    pub diagrams: bool,
    /// Per environment, the version of its diagram (changes with the verdict).
    pub diagram_version: &'a dyn Fn(&str) -> String,
}

/// The whole page.
pub(crate) fn render(ctx: &PageContext) -> String {
    let view = ctx.view;
    let shared = ctx.shared;
    let system = &shared.model.system;
    let envs: Vec<&crate::verify::EnvironmentVerdict> = view
        .verdict()
        .environments
        .iter()
        .filter(|e| ctx.env.is_none_or(|n| n == e.name))
        .collect();
    let status = match ctx.env {
        Some(_) => envs.first().map_or(Status::Unknown, |e| e.status),
        None => view.verdict().status,
    };
    let stale = view.freshness == Freshness::Stale;
    let stale_after = schedule::stale_after(shared.interval_now());
    let now = SystemTime::now();
    let mut title = format!(
        "{} {status} · {}{} · archcheck",
        icon(status),
        system,
        ctx.env.map_or_else(String::new, |e| format!(" / {e}"))
    );
    if stale {
        title = format!("STALE · {title}");
    }
    let mut w = String::new();
    let _ = write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<link rel=\"stylesheet\" href=\"/assets/page.css\">\n\
         <script src=\"/assets/page.js\" defer></script>\n</head>\n\
         <body data-interval-ms=\"{}\" data-stale-after-ms=\"{}\">\n<div id=\"live\" \
         data-rendered-at-ms=\"{}\" data-stale=\"{}\">\n",
        esc(&title),
        shared.interval.as_millis(),
        stale_after.as_millis(),
        super::store::ms(now),
        stale
    );
    // Header: the system and the status of what is shown.
    let _ = writeln!(
        w,
        "<header><p class=\"system\"><a href=\"/\">{}</a>{}</p><h1>{} <span class=\"headline\">{}</span></h1></header>",
        esc(system),
        ctx.env
            .map_or_else(String::new, |e| format!(" / {}", esc(e))),
        badge(status),
        esc(&match ctx.env {
            Some(e) => view.exported.env_headline(e),
            None => view.exported.headline().to_owned(),
        })
    );
    // The page's own staleness banner (filled in by page.js when it cannot update).
    w.push_str("<div id=\"page-stale\" class=\"banner stale\" role=\"alert\" hidden></div>\n");
    if stale {
        let _ = writeln!(
            w,
            "<div class=\"banner stale\" role=\"alert\"><strong>? Stale evidence: every status is UNKNOWN.</strong> The evidence is {} old, more than 3 intervals ({}); {}</div>",
            human_age(view.evidence_age),
            human(stale_after),
            if view.stalled {
                "no round has finished since."
            } else {
                "rounds finish, but their evidence is too old."
            }
        );
    }
    let _ = writeln!(
        w,
        "<p class=\"evidence\">Evidence {}; rounds every {}; this page {} (UTC).</p>",
        match (view.evidence_at, view.freshness) {
            (_, Freshness::Pending) => "pending: no round has completed yet".to_owned(),
            (Some(at), _) => format!(
                "read at <time datetime=\"{0}\">{0}</time>, {1} old",
                rfc3339(at),
                human_age(view.evidence_age)
            ),
            (None, _) => "none yet".to_owned(),
        },
        human(shared.interval_now()),
        format_args!("made at <time>{}</time>", rfc3339(now)),
    );
    if ctx.env.is_none() && view.verdict().environments.len() > 1 {
        w.push_str("<nav aria-label=\"environments\"><ul class=\"envs\">");
        for e in &view.verdict().environments {
            let _ = write!(
                w,
                "<li><a href=\"/env/{}\">{} {}</a></li>",
                url_part(&e.name),
                badge(e.status),
                esc(&e.name)
            );
        }
        w.push_str("</ul></nav>\n");
    }
    for e in &envs {
        environment(&mut w, ctx, &e.name, e.status);
    }
    timeline(&mut w, &view.timeline, ctx.env);
    w.push_str(
        "<footer><p>archcheck watch · <a href=\"/status\">/status</a> (JSON) · \
         <a href=\"/metrics\">/metrics</a> · <a href=\"/healthz\">/healthz</a></p></footer>\n",
    );
    w.push_str("</div>\n</body>\n</html>\n");
    w
}

fn human_age(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.0}s", d.as_secs_f64().floor())
    } else {
        crate::time_format::span(secs)
    }
}

/// What one environment's part of the page shows of its lists: on `/` the first
/// [`OVERVIEW_ITEMS`], on `/env/NAME` one page of [`PAGE_ITEMS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    /// Items per page.
    size: usize,
    /// 0-based page.
    page: usize,
    /// `/env/NAME` (paged), not the overview.
    paged: bool,
}

impl Window {
    /// The part of `len` items this window shows.
    fn range(self, len: usize) -> std::ops::Range<usize> {
        let start = (self.page * self.size).min(len);
        start..(start + self.size).min(len)
    }
}

/// The pages of an environment's lists, `PAGE_ITEMS` each (at least 1).
fn pages(findings: usize, bindings: usize) -> usize {
    findings.max(bindings).div_ceil(PAGE_ITEMS).max(1)
}

fn environment(w: &mut String, ctx: &PageContext, env: &str, status: Status) {
    let view = ctx.view;
    let model_env = ctx.shared.model.environment(env);
    let _ = write!(
        w,
        "<section class=\"env {}\" id=\"env-{}\" aria-labelledby=\"h-{}\">\n<h2 id=\"h-{}\">{} <a href=\"/env/{}\">{}</a></h2>\n",
        class(status),
        esc(env),
        esc(env),
        esc(env),
        badge(status),
        url_part(env),
        esc(env)
    );
    if let Some(e) = model_env {
        let _ = writeln!(
            w,
            "<p class=\"where\">org {} / space {}{}</p>",
            esc(&e.org),
            esc(&e.space),
            e.description
                .as_ref()
                .map_or_else(String::new, |d| format!(" · {}", esc(d)))
        );
    }
    let _ = writeln!(
        w,
        "<p class=\"headline\">{}</p>",
        esc(&view.exported.env_headline(env))
    );
    let checks: Vec<&Check> = view.verdict().checks_for(env).collect();
    counts(w, &Counts::of(checks.iter().copied()));
    let found = crate::report::findings_of(checks.iter().copied());
    let rows = binding_rows(&checks);
    let window = match ctx.env {
        Some(_) => {
            let last = pages(found.len(), rows.len());
            Window {
                size: PAGE_ITEMS,
                page: ctx.page.clamp(1, last) - 1,
                paged: true,
            }
        }
        None => Window {
            size: OVERVIEW_ITEMS,
            page: 0,
            paged: false,
        },
    };
    let pager = pager(env, window, found.len(), rows.len());
    w.push_str(&pager);
    findings(w, env, &found, window);
    diagram(w, ctx, env, model_env);
    bindings(w, env, &rows, window);
    w.push_str(&pager);
    w.push_str("</section>\n");
}

/// The complete counts of an environment's checks by status, each a word with its icon.
fn counts(w: &mut String, n: &Counts) {
    let total = n.ok + n.warning + n.critical + n.unknown + n.not_checked;
    let _ = write!(w, "<p class=\"counts\">{} checks:", thousands(total));
    for (i, (s, k)) in [
        (Status::Critical, n.critical),
        (Status::Unknown, n.unknown),
        (Status::Warning, n.warning),
        (Status::Ok, n.ok),
        (Status::NotChecked, n.not_checked),
    ]
    .into_iter()
    .enumerate()
    {
        let _ = write!(
            w,
            "{} <span class=\"count {}\">{} <span aria-hidden=\"true\">{}</span> {}</span>",
            if i == 0 { "" } else { " ·" },
            class(s),
            thousands(k),
            icon(s),
            s
        );
    }
    w.push_str("</p>\n");
}

/// `58,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Links to the other pages of `/env/NAME`, when its lists have more than one.
fn pager(env: &str, window: Window, findings: usize, bindings: usize) -> String {
    let last = pages(findings, bindings);
    if !window.paged || last == 1 {
        return String::new();
    }
    let page = window.page + 1;
    let link = |n: usize, text: &str, rel: &str| {
        let rel = if rel.is_empty() {
            String::new()
        } else {
            format!(" rel=\"{rel}\"")
        };
        format!(
            "<a href=\"/env/{}?page={n}\"{rel}>{text}</a>",
            url_part(env)
        )
    };
    let mut out = format!(
        "<nav class=\"pager\" aria-label=\"pages of {}\"><span>Page {page} of {last}</span>",
        esc(env)
    );
    if page > 1 {
        out.push_str(&link(1, "« first", ""));
        out.push_str(&link(page - 1, "‹ previous", "prev"));
    }
    if page < last {
        out.push_str(&link(page + 1, "next ›", "next"));
        out.push_str(&link(last, "last »", ""));
    }
    out.push_str("</nav>\n");
    out
}

/// The diagram, or why there is none.
fn diagram(
    w: &mut String,
    ctx: &PageContext,
    env: &str,
    model_env: Option<&crate::model::Environment>,
) {
    if !ctx.diagrams {
        w.push_str(
            "<p class=\"note\">No diagram: Graphviz <code>dot</code> is not installed where \
             archcheck watch runs. The table below shows the bindings and their status.</p>\n",
        );
        return;
    }
    let aggregated = model_env.is_some_and(|e| crate::render::scope::too_large(&[e]));
    let _ = writeln!(
        w,
        "<figure class=\"diagram\"><img src=\"/diagram/{}.svg?v={}\" alt=\"The architecture of {} with the verdict drawn on it; the table of bindings below says the same in words.\"><figcaption>{}Lost bindings red and dashed, UNKNOWN grey, what was seen green (legend in the diagram).</figcaption></figure>",
        url_part(env),
        esc(&(ctx.diagram_version)(env)),
        esc(env),
        if aggregated {
            "Too many apps and instances to draw each: instances are grouped by kind and apps by the kinds they bind, each group with its count and worst status. "
        } else {
            ""
        }
    );
}

/// The binding checks of an environment, not OK first (CRITICAL, UNKNOWN, WARNING), then
/// OK, then not checked; otherwise in verdict order.
fn binding_rows<'a>(checks: &[&'a Check]) -> Vec<&'a Check> {
    let mut rows: Vec<&Check> = checks
        .iter()
        .copied()
        .filter(|c| c.kind == CheckKind::BindingExists)
        .collect();
    rows.sort_by_key(|c| {
        failing_rank(c.status).unwrap_or(if c.status == Status::Ok { 3 } else { 4 })
    });
    rows
}

fn bindings(w: &mut String, env: &str, rows: &[&Check], window: Window) {
    if rows.is_empty() {
        return;
    }
    let shown = window.range(rows.len());
    let ok = rows.iter().filter(|c| c.status == Status::Ok).count();
    let _ = write!(
        w,
        "<details class=\"bindings\"{}><summary>Bindings ({} of {} OK){}</summary><div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">status</th><th scope=\"col\">app → service</th><th scope=\"col\">what was found</th></tr></thead><tbody>\n",
        if ok < rows.len() { " open" } else { "" },
        thousands(ok),
        thousands(rows.len()),
        if shown.len() < rows.len() {
            format!(
                ": {}–{} shown, not OK first",
                thousands(shown.start + 1),
                thousands(shown.end)
            )
        } else {
            String::new()
        }
    );
    for c in &rows[shown.clone()] {
        let _ = writeln!(
            w,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
            class(c.status),
            badge(c.status),
            esc(&c.subject),
            esc(&c.message)
        );
    }
    w.push_str("</tbody></table></div></details>\n");
    if !window.paged && shown.end < rows.len() {
        let _ = writeln!(
            w,
            "<p class=\"more\">and {} more bindings: see <a href=\"/env/{}\">/env/{}</a></p>",
            thousands(rows.len() - shown.end),
            url_part(env),
            esc(env)
        );
    }
}

fn findings(w: &mut String, env: &str, found: &[Finding], window: Window) {
    if found.is_empty() {
        w.push_str("<p class=\"findings-none\">✔ No finding: every check that ran is OK.</p>\n");
        return;
    }
    let not_ok: usize = found.iter().map(|f| f.checks.len()).sum();
    let shown = window.range(found.len());
    let _ = writeln!(
        w,
        "<h3>Findings ({}){}</h3>\n<ul class=\"findings\">",
        thousands(not_ok),
        if shown.len() < found.len() {
            format!(
                ": {}–{} of {}, most severe first",
                thousands(shown.start + 1),
                thousands(shown.end),
                thousands(found.len())
            )
        } else {
            String::new()
        }
    );
    for f in &found[shown.clone()] {
        finding(w, f, window.size);
    }
    w.push_str("</ul>\n");
    if !window.paged && shown.end < found.len() {
        let more: usize = found[shown.end..].iter().map(|f| f.checks.len()).sum();
        let _ = writeln!(
            w,
            "<p class=\"more\">and {} more not-OK checks: see <a href=\"/env/{}\">/env/{}</a></p>",
            thousands(more),
            url_part(env),
            esc(env)
        );
    }
}

/// One finding: a failing check with its message, impact, repair and cause, or the UNKNOWN
/// checks that share a cause (at most `subjects` of them named).
fn finding(w: &mut String, f: &Finding, subjects: usize) {
    if let (Some(reason), true) = (&f.cause, f.checks.len() > 1) {
        let _ = write!(
            w,
            "<li class=\"finding unknown\">{} <strong>{} checks could not be made</strong><p class=\"cause\">Cause: {}</p><details><summary>which checks</summary><ul>",
            badge(Status::Unknown),
            thousands(f.checks.len()),
            esc(reason)
        );
        for c in f.checks.iter().take(subjects) {
            let _ = write!(w, "<li>{}</li>", esc(&c.subject));
        }
        if f.checks.len() > subjects {
            let _ = write!(
                w,
                "<li>and {} more (<a href=\"/status\">/status</a> lists every check)</li>",
                thousands(f.checks.len() - subjects)
            );
        }
        w.push_str("</ul></details></li>\n");
        return;
    }
    let c = f.checks[0];
    let _ = write!(
        w,
        "<li class=\"finding {}\">{} <strong>{}</strong><p class=\"message\">{}</p>",
        class(c.status),
        badge(c.status),
        esc(&c.subject),
        esc(&c.message)
    );
    if let Some(i) = &c.impact {
        let _ = write!(w, "<p class=\"impact\"><b>Impact:</b> {}</p>", esc(i));
    }
    if let Some(r) = &c.repair {
        let _ = write!(
            w,
            "<p class=\"repair\"><b>Repair:</b></p><pre><code>{}</code></pre>",
            esc(r)
        );
    }
    let cause = c
        .shared_reason()
        .or_else(|| c.explained.as_ref().map(|e| e.text.clone()));
    if let Some(cause) = cause {
        let _ = write!(w, "<p class=\"cause\"><b>Cause:</b> {}</p>", esc(&cause));
    }
    w.push_str("</li>\n");
}

fn timeline(w: &mut String, timeline: &VecDeque<Transition>, env: Option<&str>) {
    let shown: Vec<&Transition> = timeline
        .iter()
        .rev()
        .filter(|t| env.is_none_or(|e| e == t.environment))
        .take(TIMELINE_SHOWN)
        .collect();
    w.push_str("<section class=\"timeline\" aria-labelledby=\"h-timeline\"><h2 id=\"h-timeline\">Timeline</h2>\n");
    if shown.is_empty() {
        w.push_str("<p>No transition recorded yet.</p></section>\n");
        return;
    }
    w.push_str("<ol>\n");
    for t in shown {
        let _ = write!(
            w,
            "<li><time datetime=\"{0}\">{1}</time> <b>{2}</b> {3} → {4}<p>{5}</p>",
            rfc3339_ms(t.at_ms),
            esc(&crate::time_format::date_time(t.at_ms.div_euclid(1000))),
            esc(&t.environment),
            t.previous.map_or_else(|| "first seen".to_owned(), badge),
            badge(t.status),
            esc(&t.headline)
        );
        let changed: Vec<_> = t
            .changed_checks
            .iter()
            .filter(|c| c.previous.is_some() || c.status != Status::Ok)
            .take(12)
            .collect();
        if !changed.is_empty() {
            w.push_str("<ul>");
            for c in changed {
                let _ = write!(
                    w,
                    "<li>{} {}: {}</li>",
                    badge(c.status),
                    esc(&c.subject),
                    esc(&c.message)
                );
            }
            w.push_str("</ul>");
        }
        w.push_str("</li>\n");
    }
    w.push_str("</ol></section>\n");
}

/// A page for an environment that is not watched.
pub(crate) fn not_found(env: &str, shared: &Shared) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>No environment {} · archcheck</title><link rel=\"stylesheet\" href=\"/assets/page.css\"></head><body><main><h1>No environment “{}” is watched</h1><p>Watched: {}.</p><p><a href=\"/\">All environments</a></p></main></body></html>\n",
        esc(env),
        esc(env),
        shared
            .envs
            .iter()
            .map(|e| format!("<a href=\"/env/{}\">{}</a>", url_part(e), esc(e)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn page_of(shared: &Shared, now: Instant, diagrams: bool) -> String {
        let view = shared.view(now);
        render(&PageContext {
            shared,
            view: &view,
            env: None,
            page: 1,
            diagrams,
            diagram_version: &|_| "v1".to_owned(),
        })
    }

    fn shared() -> Shared {
        Shared::new(
            Arc::new(crate::model::c2_for_tests()),
            vec!["staging".into()],
            Duration::from_secs(60),
            Vec::new(),
        )
    }

    /// Without Graphviz the page says so, and the bindings table says in words what the
    /// diagram would show.
    #[test]
    fn without_graphviz_the_bindings_table_is_the_fallback() {
        let s = shared();
        let html = page_of(&s, s.started, false);
        assert!(html.contains("No diagram: Graphviz <code>dot</code> is not installed"));
        assert!(!html.contains("<img"));
        assert!(
            html.contains("<td>c2-staging-worker -&gt; c2-staging-redis</td>"),
            "{html}"
        );
        let with = page_of(&s, s.started, true);
        assert!(
            with.contains("<img src=\"/diagram/staging.svg?v=v1\""),
            "{with}"
        );
    }

    /// Before the first round everything is UNKNOWN, never OK; evidence older than 3
    /// intervals is stale, in the title and a banner.
    #[test]
    fn a_stale_page_says_so_in_its_title_and_a_banner() {
        let s = shared();
        let pending = page_of(&s, s.started, false);
        assert!(
            pending.contains("<title>? UNKNOWN · c2 · archcheck</title>"),
            "{pending}"
        );
        assert!(pending.contains("pending: no round has completed yet"));
        let stale = page_of(&s, s.started + Duration::from_secs(181), false);
        assert!(
            stale.contains("<title>STALE · ? UNKNOWN · c2 · archcheck</title>"),
            "{stale}"
        );
        assert!(
            stale.contains("Stale evidence: every status is UNKNOWN."),
            "{stale}"
        );
    }

    /// `n` copies of staging's first check, CRITICAL, each its own id and subject
    /// (`lost-0`, `lost-1`, ...), then `warnings` WARNING and `unknowns` UNKNOWN ones
    /// (without a shared cause), before them in the verdict: the page sorts by severity.
    fn many(s: &Shared, n: usize, warnings: usize, unknowns: usize) -> crate::verify::Verdict {
        let mut v = s.unknown_verdict("x");
        let first = v.checks[0].clone();
        v.checks.clear();
        let mut push = |status: Status, name: String| {
            let mut c = first.clone();
            c.id = format!("staging/{name}");
            c.subject = name.clone();
            c.message = format!("{name} is {status}");
            c.status = status;
            c.cause = None;
            c.impact = Some(format!("impact of {name}"));
            c.repair = Some(format!("cf repair {name}"));
            v.checks.push(c);
        };
        for i in 0..warnings {
            push(Status::Warning, format!("warn-{i}"));
        }
        for i in 0..unknowns {
            push(Status::Unknown, format!("unseen-{i}"));
        }
        for i in 0..n {
            push(Status::Critical, format!("lost-{i}"));
        }
        push(Status::Ok, "fine-0".to_owned());
        v.status = Status::Critical;
        for e in &mut v.environments {
            e.status = Status::Critical;
        }
        v
    }

    fn with_round(v: crate::verify::Verdict) -> Shared {
        let s = shared();
        s.complete_at_start(v);
        s
    }

    fn env_page(s: &Shared, page: usize) -> String {
        let view = s.view(s.started);
        render(&PageContext {
            shared: s,
            view: &view,
            env: Some("staging"),
            page,
            diagrams: false,
            diagram_version: &|_| "v1".to_owned(),
        })
    }

    /// The subjects of the findings on a page, in order.
    fn finding_subjects(html: &str) -> Vec<String> {
        html.split("<li class=\"finding ")
            .skip(1)
            .map(|f| {
                let start = f.find("<strong>").unwrap() + "<strong>".len();
                f[start..start + f[start..].find("</strong>").unwrap()].to_owned()
            })
            .collect()
    }

    /// `/` shows at most [`OVERVIEW_ITEMS`] findings of an environment, the most severe
    /// first, then how many not-OK checks it does not show, with a link to `/env/NAME`; the
    /// counts are complete.
    #[test]
    fn the_overview_shows_the_bound_of_findings_and_says_how_many_more() {
        let s = with_round(many(&shared(), 30, 2, 3));
        let html = page_of(&s, s.started, false);
        let shown = finding_subjects(&html);
        assert_eq!(shown.len(), OVERVIEW_ITEMS, "{html}");
        // CRITICAL first, then UNKNOWN, then WARNING, each in verdict order.
        let want: Vec<String> = (0..20).map(|i| format!("lost-{i}")).collect();
        assert_eq!(shown, want);
        assert!(
            html.contains(
                "<p class=\"more\">and 15 more not-OK checks: see <a href=\"/env/staging\">/env/staging</a></p>"
            ),
            "{html}"
        );
        assert!(html.contains("<h3>Findings (35): 1–20 of 35, most severe first</h3>"));
        for count in [
            "36 checks:",
            "30 <span aria-hidden=\"true\">✖</span> CRITICAL",
            "3 <span aria-hidden=\"true\">?</span> UNKNOWN",
            "2 <span aria-hidden=\"true\">▲</span> WARNING",
            "1 <span aria-hidden=\"true\">✔</span> OK",
            "0 <span aria-hidden=\"true\">–</span> NOT CHECKED",
        ] {
            assert!(html.contains(count), "no {count:?} in {html}");
        }
        // No pager on the overview.
        assert!(!html.contains("class=\"pager\""));
        // At or under the bound: every finding, no "more" line.
        let s = with_round(many(&shared(), 17, 2, 1));
        let html = page_of(&s, s.started, false);
        assert_eq!(finding_subjects(&html).len(), 20);
        assert!(!html.contains("more not-OK checks"), "{html}");
        let mut order = finding_subjects(&html);
        order.drain(..17);
        assert_eq!(order, ["unseen-0", "warn-0", "warn-1"]);
    }

    /// `/env/NAME` shows [`PAGE_ITEMS`] findings a page, `?page=N` the rest: every finding
    /// once across the pages, a page beyond the last is the last.
    #[test]
    fn the_environment_page_is_paged_and_shows_every_finding_once() {
        let s = with_round(many(&shared(), 450, 0, 0));
        let mut seen = Vec::new();
        for page in 1..=3 {
            let html = env_page(&s, page);
            assert!(
                html.contains(&format!("<span>Page {page} of 3</span>")),
                "{html}"
            );
            assert!(!html.contains("more not-OK checks"));
            seen.extend(finding_subjects(&html));
        }
        let want: Vec<String> = (0..450).map(|i| format!("lost-{i}")).collect();
        assert_eq!(seen, want);
        let first = env_page(&s, 1);
        assert!(first.contains("<h3>Findings (450): 1–200 of 450, most severe first</h3>"));
        assert!(first.contains("<a href=\"/env/staging?page=2\" rel=\"next\">next ›</a>"));
        assert!(first.contains("<a href=\"/env/staging?page=3\">last »</a>"));
        assert!(!first.contains("rel=\"prev\""));
        let beyond = env_page(&s, 9);
        assert!(beyond.contains("<span>Page 3 of 3</span>"), "{beyond}");
        assert_eq!(finding_subjects(&beyond).len(), 50);
        assert!(beyond.contains("<a href=\"/env/staging?page=2\" rel=\"prev\">‹ previous</a>"));
    }

    /// The bindings table is bounded like the findings: not-OK rows first.
    #[test]
    fn the_bindings_table_is_bounded_with_the_lost_ones_first() {
        let mut v = shared().unknown_verdict("x");
        let binding = v
            .checks
            .iter()
            .find(|c| c.kind == CheckKind::BindingExists)
            .unwrap()
            .clone();
        v.checks.clear();
        for i in 0..30 {
            let mut c = binding.clone();
            c.id = format!("staging/binding/{i}");
            c.subject = format!("app-{i} -> svc-{i}");
            c.status = if i == 29 {
                Status::Critical
            } else {
                Status::Ok
            };
            c.cause = None;
            v.checks.push(c);
        }
        let s = with_round(v);
        let html = page_of(&s, s.started, false);
        let rows: Vec<&str> = html.split("<tr class=").skip(1).collect();
        assert_eq!(rows.len(), OVERVIEW_ITEMS, "{html}");
        assert!(rows[0].contains("app-29 -&gt; svc-29"), "{}", rows[0]);
        assert!(
            html.contains("<summary>Bindings (29 of 30 OK): 1–20 shown, not OK first</summary>")
        );
        assert!(
            html.contains("and 10 more bindings: see <a href=\"/env/staging\">/env/staging</a>")
        );
        let all = env_page(&s, 1);
        assert_eq!(all.split("<tr class=").count() - 1, 30);
    }

    /// A group of UNKNOWN checks that share a cause is one finding; it names at most as many
    /// checks as the page shows findings, and says how many more.
    #[test]
    fn a_large_group_of_unknown_checks_names_a_bounded_number() {
        // Before the first round every check is UNKNOWN for one reason.
        let s = shared();
        let view = s.view(s.started);
        let n = view.verdict().checks_for("staging").count();
        assert!(n > OVERVIEW_ITEMS, "{n}");
        let html = page_of(&s, s.started, false);
        assert!(html.contains(&format!("<strong>{n} checks could not be made</strong>")));
        assert!(
            html.contains(&format!(
                "<li>and {} more (<a href=\"/status\">/status</a> lists every check)</li>",
                n - OVERVIEW_ITEMS
            )),
            "{html}"
        );
    }

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(url_part("a b/<x>"), "a%20b%2F%3Cx%3E");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(58_000), "58,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
