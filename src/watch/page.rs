//! The status page `watch` serves at `/` (every watched environment) and `/env/NAME` (one):
//! what a team opens when the alert fires.
//!
//! It is HTML made here, on the server, from the exported view (so it is never better than
//! the evidence, and a stale view shows as UNKNOWN), with every model string and message
//! escaped by [`esc`]. Each environment shows its status and headline, how old the evidence
//! is, the diagram with the verdict drawn on it, a table of its bindings, and the findings
//! that are not OK with impact, repair and cause; then the timeline of transitions. Status is
//! always a word with an icon, never colour alone.
//!
//! The diagram is laid out by Graphviz `dot` on the watch's host and served as an image
//! (`/diagram/NAME.svg`), cached per verdict. Without `dot` (e.g. watch running as a CF app)
//! the page says so and the bindings table, always there, is the readable fallback: nothing is
//! loaded from the network, and no layout engine is shipped to the browser.
//!
//! `page.js` (embedded, no inline script: the Content-Security-Policy allows scripts from the
//! watch itself only) fetches the same URL every interval and swaps the live part in, so the
//! page updates without a reload; when it cannot, or its content is older than 3 intervals,
//! it says so in the title and a banner.

use super::schedule;
use super::state::{Freshness, Shared, View, human, rfc3339};
use super::store::{Transition, rfc3339_ms};
use super::webhook::env_headline;
use crate::verify::{Check, CheckKind, Status};
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

/// Text for HTML: `&`, `<`, `>`, `"` and `'` as entities (safe in text and in quoted
/// attributes).
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
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
        .verdict
        .environments
        .iter()
        .filter(|e| ctx.env.is_none_or(|n| n == e.name))
        .collect();
    let status = match ctx.env {
        Some(_) => envs.first().map_or(Status::Unknown, |e| e.status),
        None => view.verdict.status,
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
            Some(e) => env_headline(&view.verdict, e),
            None => crate::report::headline(&view.verdict),
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
    if ctx.env.is_none() && view.verdict.environments.len() > 1 {
        w.push_str("<nav aria-label=\"environments\"><ul class=\"envs\">");
        for e in &view.verdict.environments {
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
        esc(&env_headline(&view.verdict, env))
    );
    findings(w, view, env);
    // The diagram, or why there is none.
    if ctx.diagrams {
        let _ = writeln!(
            w,
            "<figure class=\"diagram\"><img src=\"/diagram/{}.svg?v={}\" alt=\"The architecture of {} with the verdict drawn on it; the table of bindings below says the same in words.\"><figcaption>Lost bindings red and dashed, UNKNOWN grey, what was seen green (legend in the diagram).</figcaption></figure>",
            url_part(env),
            esc(&(ctx.diagram_version)(env)),
            esc(env)
        );
    } else {
        w.push_str(
            "<p class=\"note\">No diagram: Graphviz <code>dot</code> is not installed where \
             archcheck watch runs. The table below shows every binding and its status.</p>\n",
        );
    }
    bindings(w, view, env);
    w.push_str("</section>\n");
}

fn bindings(w: &mut String, view: &View, env: &str) {
    let rows: Vec<&Check> = view
        .verdict
        .checks_for(env)
        .filter(|c| c.kind == CheckKind::BindingExists)
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        w,
        "<details class=\"bindings\"{}><summary>Bindings ({} of {} OK)</summary><div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">status</th><th scope=\"col\">app → service</th><th scope=\"col\">what was found</th></tr></thead><tbody>\n",
        if rows.iter().any(|c| c.status != Status::Ok) {
            " open"
        } else {
            ""
        },
        rows.iter().filter(|c| c.status == Status::Ok).count(),
        rows.len()
    );
    for c in rows {
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
}

fn findings(w: &mut String, view: &View, env: &str) {
    let bad: Vec<&Check> = view
        .verdict
        .checks_for(env)
        .filter(|c| !matches!(c.status, Status::Ok | Status::NotChecked))
        .collect();
    if bad.is_empty() {
        w.push_str("<p class=\"findings-none\">✔ No finding: every check that ran is OK.</p>\n");
        return;
    }
    let _ = writeln!(
        w,
        "<h3>Findings ({})</h3>\n<ul class=\"findings\">",
        bad.len()
    );
    // UNKNOWN checks that share a reason are one finding.
    let mut shared: Vec<(String, Vec<&Check>)> = Vec::new();
    for c in &bad {
        if let Some(reason) = c.shared_reason() {
            match shared.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, list)) => list.push(c),
                None => shared.push((reason, vec![c])),
            }
        }
    }
    let mut grouped_done: Vec<String> = Vec::new();
    for c in &bad {
        if let Some(reason) = c.shared_reason()
            && let Some((_, list)) = shared.iter().find(|(r, _)| *r == reason)
            && list.len() > 1
        {
            if grouped_done.contains(&reason) {
                continue;
            }
            grouped_done.push(reason.clone());
            let _ = write!(
                w,
                "<li class=\"finding unknown\">{} <strong>{} checks could not be made</strong><p class=\"cause\">Cause: {}</p><details><summary>which checks</summary><ul>",
                badge(Status::Unknown),
                list.len(),
                esc(&reason)
            );
            for c in list {
                let _ = write!(w, "<li>{}</li>", esc(&c.subject));
            }
            w.push_str("</ul></details></li>\n");
            continue;
        }
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
    w.push_str("</ul>\n");
}

fn timeline(w: &mut String, timeline: &[Transition], env: Option<&str>) {
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

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(url_part("a b/<x>"), "a%20b%2F%3Cx%3E");
    }
}
