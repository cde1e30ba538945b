//! The architecture diagram as Graphviz DOT: one cluster per environment (labelled with org
//! and space), a shape per service kind, user-provided services and externals told apart from
//! managed ones, critical bindings heavier than non-critical ones, binding purposes on the
//! edges, a legend, and, when a verdict is given, every node and edge coloured by its checks.
//!
//! Every label is a Graphviz HTML-like label built with [`style::dot_html`], and every id is
//! quoted, so any text in a model parses without a warning. Order is the model's order.

use super::RenderOptions;
use super::overlay::EnvOverlay;
use super::scope::{self, Aggregate};
use super::style::{self, NodeRole, Overlay};
use crate::model::{App, Environment, External, Model, Service, ServiceKind};
use crate::verify::Status;
use std::collections::HashSet;
use std::fmt::Write as _;

const FONT: &str = "Helvetica";

/// Renders the model (or one environment of it) as DOT source.
pub(super) fn render(model: &Model, options: &RenderOptions) -> anyhow::Result<String> {
    let drawn = scope::drawing(model, options)?;
    let aggregated = drawn.first().is_some_and(|d| d.aggregated);
    let mut out = String::with_capacity(
        4096 + if aggregated {
            4096 * drawn.len()
        } else {
            512 * drawn
                .iter()
                .map(|d| d.env.apps.len() + d.env.services.len())
                .sum::<usize>()
        },
    );
    let w = &mut out;

    let _ = writeln!(w, "digraph {} {{", style::dot_quoted(&model.system));
    let _ = writeln!(
        w,
        "  graph [label=<{}>, labelloc=t, labeljust=l, fontname=\"{FONT}\", fontsize=16, rankdir=LR, nodesep=0.3, ranksep=1.2];",
        graph_label(model, options, &drawn)
    );
    let _ = writeln!(
        w,
        "  node [fontname=\"{FONT}\", fontsize=11, style=filled, color=\"#333333\"];"
    );
    let _ = writeln!(
        w,
        "  edge [fontname=\"{FONT}\", fontsize=9, color=\"#333333\"];"
    );

    let mut kinds_used: Vec<ServiceKind> = Vec::new();
    let mut any_user_provided = false;
    let mut any_external = false;
    let mut any_extra = false;
    for d in &drawn {
        let env = d.env.as_ref();
        let overlay = options.verdict.and_then(|v| EnvOverlay::build(v, env));
        for s in &env.services {
            if !kinds_used.contains(&s.kind) {
                kinds_used.push(s.kind);
            }
            any_user_provided |= s.user_provided;
        }
        // Externals are drawn only with every node.
        any_external |= !d.aggregated && !env.externals.is_empty();
        if let Some(o) = &overlay {
            any_extra |= !o.extra_apps.is_empty()
                || !o.extra_services.is_empty()
                || !o.extra_bindings.is_empty();
        }
        if d.aggregated {
            write_aggregated(w, env, &Aggregate::of(env, overlay.as_ref()));
        } else {
            write_environment(w, env, overlay.as_ref());
        }
    }
    kinds_used.sort();
    write_legend(
        w,
        &kinds_used,
        any_user_provided,
        any_external,
        options.verdict.is_some(),
        any_extra,
    );
    w.push_str("}\n");
    Ok(out)
}

fn graph_label(model: &Model, options: &RenderOptions, drawn: &[scope::Drawn]) -> String {
    let mut l = bold(&model.system);
    if let Some(d) = &model.description {
        let _ = write!(l, ": {}", style::dot_html(d));
    }
    if let Some(env) = options.env {
        let _ = write!(l, "<BR/>environment {}", style::dot_html(env));
    }
    if let Some(id) = options.focus {
        let _ = write!(l, "<BR/>the neighbourhood of {}", style::dot_html(id));
    }
    if drawn.first().is_some_and(|d| d.aggregated) {
        let _ = write!(l, "<BR/><I>{}</I>", style::dot_html(scope::AGGREGATED_NOTE));
    }
    match options.verdict {
        Some(v) => {
            let look = Overlay::Status(v.status).look();
            let _ = write!(
                l,
                "<BR/><FONT COLOR=\"{}\"><B>verdict: {}</B></FONT>",
                look.stroke,
                style::dot_html(v.status.as_str())
            );
        }
        None => l.push_str("<BR/>expected state"),
    }
    l
}

fn write_environment(w: &mut String, env: &Environment, overlay: Option<&EnvOverlay>) {
    let note = env.description.as_deref().map(style::dot_html);
    open_cluster(w, env, &note.unwrap_or_default());

    for app in &env.apps {
        write_app(w, env, app, overlay.map(|o| o.app(&app.id)));
    }
    for service in &env.services {
        write_service(w, env, service, overlay.map(|o| o.service(&service.id)));
    }
    for external in &env.externals {
        write_external(w, env, external);
    }

    // Extras: what exists on the platform but the model lacks.
    let mut extra_app_nodes: HashSet<&str> = HashSet::new();
    let mut extra_service_nodes: HashSet<&str> = HashSet::new();
    if let Some(o) = overlay {
        for (name, status) in &o.extra_apps {
            if extra_app_nodes.insert(name) {
                write_extra_node(w, env, NodeRole::ExtraApp, name, *status);
            }
        }
        for (name, status) in &o.extra_services {
            if extra_service_nodes.insert(name) {
                write_extra_node(w, env, NodeRole::ExtraService, name, *status);
            }
        }
    }

    // Bindings, in model order.
    for (app, b, service) in env.bindings() {
        let from = style::node_id(&env.name, NodeRole::App, &app.id);
        let to = style::node_id(&env.name, NodeRole::Service, &service.id);
        let mut attrs = vec![format!(
            "penwidth={}",
            if b.critical {
                style::PEN_CRITICAL
            } else {
                style::PEN_NON_CRITICAL
            }
        )];
        if !b.critical {
            attrs.push("arrowhead=onormal".to_owned());
        }
        let label = style::binding_label(b, &style::DOT);
        if !label.is_empty() {
            attrs.push(format!("label=<{label}>"));
        }
        if let Some(o) = overlay {
            push_look(&mut attrs, o.binding(&app.id, &service.id), true);
        }
        let _ = writeln!(
            w,
            "    {} -> {} [{}];",
            style::dot_quoted(&from),
            style::dot_quoted(&to),
            attrs.join(", ")
        );
    }
    for external in &env.externals {
        let to = style::node_id(&env.name, NodeRole::External, &external.id);
        for app in &external.used_by {
            let from = style::node_id(&env.name, NodeRole::App, app);
            let _ = writeln!(
                w,
                "    {} -> {} [label=<<I>uses</I>>, arrowhead=vee, style=dashed, color=\"#777777\", fontcolor=\"#777777\"];",
                style::dot_quoted(&from),
                style::dot_quoted(&to)
            );
        }
    }
    if let Some(o) = overlay {
        for (app, service, status) in &o.extra_bindings {
            let from = match env.app_by_name(app) {
                Some(a) => style::node_id(&env.name, NodeRole::App, &a.id),
                None => {
                    if extra_app_nodes.insert(app) {
                        write_extra_node(w, env, NodeRole::ExtraApp, app, *status);
                    }
                    style::node_id(&env.name, NodeRole::ExtraApp, app)
                }
            };
            let to = match env.service_by_name(service) {
                Some(s) => style::node_id(&env.name, NodeRole::Service, &s.id),
                None => {
                    if extra_service_nodes.insert(service) {
                        write_extra_node(w, env, NodeRole::ExtraService, service, *status);
                    }
                    style::node_id(&env.name, NodeRole::ExtraService, service)
                }
            };
            let look = status.look();
            let _ = writeln!(
                w,
                "    {} -> {} [label=<<I>not in the model</I>>, style=\"dotted,bold\", color=\"{}\", fontcolor=\"{}\"];",
                style::dot_quoted(&from),
                style::dot_quoted(&to),
                look.stroke,
                look.stroke
            );
        }
    }
    w.push_str("  }\n");
}

/// Opens an environment's cluster: its name, org and space, and `note` (markup) in small
/// type under them when there is one.
fn open_cluster(w: &mut String, env: &Environment, note: &str) {
    let cluster = format!("cluster_{}", style::env_id(&env.name));
    let _ = writeln!(w, "  subgraph {} {{", style::dot_quoted(&cluster));
    let label = format!(
        "{}<BR/>org {} · space {}{}",
        bold(&env.name),
        style::dot_html(&env.org),
        style::dot_html(&env.space),
        small(note)
    );
    let _ = writeln!(
        w,
        "    graph [label=<{label}>, style=\"rounded\", color=\"#888888\", fontsize=12];"
    );
}

/// An environment drawn aggregated: a node per service kind and per group of apps that bind
/// the same kinds, each with its count and a few names, and an edge per group and kind with
/// its number of bindings; colours are the worst of the members'.
fn write_aggregated(w: &mut String, env: &Environment, a: &Aggregate) {
    let note = format!(
        "{} apps and {} service instances, grouped",
        a.apps, a.services
    );
    open_cluster(w, env, &note);
    for g in &a.app_groups {
        let id = style::group_node_id(&env.name, &g.id);
        let mut names = g.examples.join(", ");
        if g.count > g.examples.len() {
            names.push_str(", …");
        }
        let label = format!(
            "{}{}",
            bold(&format!(
                "{} app{}",
                g.count,
                if g.count == 1 { "" } else { "s" }
            )),
            small(&style::dot_html(&names))
        );
        let attrs = app_attrs(&label, g.overlay);
        let _ = writeln!(w, "    {} [{}];", style::dot_quoted(&id), attrs.join(", "));
    }
    for k in &a.kinds {
        let id = style::kind_node_id(&env.name, k.kind);
        let mut facts = format!(
            "{} instance{}",
            k.count,
            if k.count == 1 { "" } else { "s" }
        );
        if k.user_provided > 0 {
            let _ = write!(facts, ", {} user-provided", k.user_provided);
        }
        let label = format!("{}{}", bold(k.kind.as_str()), small(&facts));
        let mut attrs = vec![
            format!("label=<{label}>"),
            format!("shape={}", style::dot_shape(k.kind)),
        ];
        match k.overlay {
            Some(o) => push_look(&mut attrs, o, false),
            None => attrs.push(format!("fillcolor=\"{}\"", style::FILL_MANAGED)),
        }
        let _ = writeln!(w, "    {} [{}];", style::dot_quoted(&id), attrs.join(", "));
    }
    for g in &a.app_groups {
        let from = style::group_node_id(&env.name, &g.id);
        for e in &g.edges {
            let to = style::kind_node_id(&env.name, e.kind);
            let mut label = format!(
                "{} binding{}",
                e.bindings,
                if e.bindings == 1 { "" } else { "s" }
            );
            if e.critical < e.bindings {
                let _ = write!(label, ", {} non-critical", e.bindings - e.critical);
            }
            let mut attrs = vec![
                format!(
                    "penwidth={}",
                    if e.critical > 0 {
                        style::PEN_CRITICAL
                    } else {
                        style::PEN_NON_CRITICAL
                    }
                ),
                format!("label=<{}>", style::dot_html(&label)),
            ];
            if e.critical == 0 {
                attrs.push("arrowhead=onormal".to_owned());
            }
            if let Some(o) = e.overlay {
                push_look(&mut attrs, o, true);
            }
            let _ = writeln!(
                w,
                "    {} -> {} [{}];",
                style::dot_quoted(&from),
                style::dot_quoted(&to),
                attrs.join(", ")
            );
        }
    }
    w.push_str("  }\n");
}

/// Colour, fill and line style of an element under the overlay.
fn push_look(attrs: &mut Vec<String>, overlay: Overlay, edge: bool) {
    let look = overlay.look();
    attrs.push(format!("color=\"{}\"", look.stroke));
    if edge {
        attrs.push(format!("fontcolor=\"{}\"", look.stroke));
        if !look.style.is_empty() {
            attrs.push(format!("style=\"{}\"", look.style));
        }
    } else {
        attrs.push(format!("fillcolor=\"{}\"", look.fill));
        let style = if look.style.is_empty() {
            "filled".to_owned()
        } else {
            format!("filled,{}", look.style)
        };
        attrs.push(format!("style=\"{style}\""));
        if overlay == Overlay::NotChecked {
            attrs.push(format!("fontcolor=\"{}\"", "#777777"));
        } else {
            attrs.push("penwidth=2".to_owned());
        }
    }
}

/// A second, smaller line. Graphviz rejects an empty element, so empty text gives nothing.
fn small(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("<BR/><FONT POINT-SIZE=\"9\">{text}</FONT>")
}

/// A bold name; Graphviz rejects an empty element (and an empty label), so empty text is a
/// space.
fn bold(text: &str) -> String {
    let escaped = style::dot_html(text);
    if escaped.is_empty() {
        "<B> </B>".to_owned()
    } else {
        format!("<B>{escaped}</B>")
    }
}

fn write_app(w: &mut String, env: &Environment, app: &App, overlay: Option<Overlay>) {
    let id = style::node_id(&env.name, NodeRole::App, &app.id);
    let mut label = bold(&app.name);
    let mut facts = format!("app {}", style::dot_html(&app.id));
    let _ = write!(facts, " · {} ×", app.instances);
    match &app.memory {
        Some(m) => {
            let _ = write!(facts, " {}", style::dot_html(m));
        }
        None => facts.push_str(" default memory"),
    }
    label.push_str(&small(&facts));
    if let Some(d) = &app.description {
        label.push_str(&small(&style::dot_html(d)));
    }
    let attrs = app_attrs(&label, overlay);
    let _ = writeln!(w, "    {} [{}];", style::dot_quoted(&id), attrs.join(", "));
}

/// The attributes of an app's node (or a group of apps'): rounded corners mark apps, with or
/// without the overlay.
fn app_attrs(label: &str, overlay: Option<Overlay>) -> Vec<String> {
    let mut attrs = vec![
        format!("label=<{label}>"),
        format!("shape={}", style::DOT_APP_SHAPE),
    ];
    match overlay {
        Some(o) => {
            push_look(&mut attrs, o, false);
            if let Some(s) = attrs.iter_mut().find(|a| a.starts_with("style=")) {
                *s = s.replacen("style=\"", "style=\"rounded,", 1);
            }
        }
        None => {
            attrs.push("style=\"rounded,filled\"".to_owned());
            attrs.push(format!("fillcolor=\"{}\"", style::FILL_APP));
        }
    }
    attrs
}

fn write_service(w: &mut String, env: &Environment, s: &Service, overlay: Option<Overlay>) {
    let id = style::node_id(&env.name, NodeRole::Service, &s.id);
    let mut label = bold(&s.name);
    label.push_str(&small(&style::service_facts(s, &style::DOT)));
    if let Some(d) = &s.description {
        label.push_str(&small(&style::dot_html(d)));
    }
    let mut attrs = vec![
        format!("label=<{label}>"),
        format!("shape={}", style::dot_shape(s.kind)),
    ];
    if s.user_provided {
        attrs.push("peripheries=2".to_owned());
    }
    match overlay {
        Some(o) => push_look(&mut attrs, o, false),
        None => attrs.push(format!(
            "fillcolor=\"{}\"",
            if s.user_provided {
                style::FILL_USER_PROVIDED
            } else {
                style::FILL_MANAGED
            }
        )),
    }
    let _ = writeln!(w, "    {} [{}];", style::dot_quoted(&id), attrs.join(", "));
}

fn write_external(w: &mut String, env: &Environment, x: &External) {
    let id = style::node_id(&env.name, NodeRole::External, &x.id);
    let mut label = bold(&x.label);
    label.push_str(&small("external, outside Cloud Foundry"));
    if let Some(d) = &x.description {
        label.push_str(&small(&style::dot_html(d)));
    }
    let _ = writeln!(
        w,
        "    {} [label=<{label}>, shape={}, fillcolor=\"{}\", color=\"#777777\"];",
        style::dot_quoted(&id),
        style::DOT_EXTERNAL_SHAPE,
        style::FILL_EXTERNAL
    );
}

fn write_extra_node(
    w: &mut String,
    env: &Environment,
    role: NodeRole,
    name: &str,
    status: Overlay,
) {
    let id = style::node_id(&env.name, role, name);
    let (shape, what) = match role {
        NodeRole::ExtraApp => (style::DOT_APP_SHAPE, "app"),
        _ => (style::dot_shape(ServiceKind::Other), "service instance"),
    };
    let look = status.look();
    let _ = writeln!(
        w,
        "    {} [label=<{}{}>, shape={shape}, style=\"filled,dotted,bold\", color=\"{}\", fillcolor=\"{}\"];",
        style::dot_quoted(&id),
        bold(name),
        small(&format!("{what} not in the model")),
        look.stroke,
        look.fill
    );
}

fn write_legend(
    w: &mut String,
    kinds: &[ServiceKind],
    user_provided: bool,
    external: bool,
    verdict: bool,
    extra: bool,
) {
    w.push_str("  subgraph \"cluster_legend\" {\n");
    w.push_str("    graph [label=<<B>Legend</B>>, style=\"rounded,dashed\", color=\"#aaaaaa\", fontsize=12];\n");
    w.push_str("    node [fontsize=9, height=0.3];\n");
    // (id, attributes): laid out in rows by invisible edges, so the legend stays compact.
    let mut shapes: Vec<(String, String)> = vec![(
        "legend__app".to_owned(),
        format!(
            "label=<app>, shape={}, style=\"rounded,filled\", fillcolor=\"{}\"",
            style::DOT_APP_SHAPE,
            style::FILL_APP
        ),
    )];
    for k in kinds {
        shapes.push((
            format!("legend__kind__{}", k.as_str()),
            format!(
                "label=<{}>, shape={}, fillcolor=\"{}\"",
                k.as_str(),
                style::dot_shape(*k),
                style::FILL_MANAGED
            ),
        ));
    }
    if user_provided {
        shapes.push((
            "legend__user_provided".to_owned(),
            format!(
                "label=<user-provided<BR/>(double outline)>, shape=ellipse, peripheries=2, fillcolor=\"{}\"",
                style::FILL_USER_PROVIDED
            ),
        ));
    }
    if external {
        shapes.push((
            "legend__external".to_owned(),
            format!(
                "label=<external>, shape={}, fillcolor=\"{}\", color=\"#777777\"",
                style::DOT_EXTERNAL_SHAPE,
                style::FILL_EXTERNAL
            ),
        ));
    }
    write_rows(w, &shapes);
    if verdict {
        let mut statuses: Vec<(String, String)> = Vec::new();
        for (i, o) in Overlay::ALL.iter().enumerate() {
            let look = o.look();
            let style = if look.style.is_empty() {
                "filled".to_owned()
            } else {
                format!("filled,{}", look.style)
            };
            statuses.push((
                format!("legend__status{i}"),
                format!(
                    "label=<{}>, shape=box, color=\"{}\", fillcolor=\"{}\", style=\"{style}\"",
                    style::dot_html(look.label),
                    look.stroke,
                    look.fill
                ),
            ));
        }
        if extra {
            let look = Overlay::Status(Status::Warning).look();
            statuses.push((
                "legend__extra".to_owned(),
                format!(
                    "label=<exists, not in the model (dotted)>, shape=box, color=\"{}\", fillcolor=\"{}\", style=\"filled,dotted,bold\"",
                    look.stroke, look.fill
                ),
            ));
        }
        write_rows(w, &statuses);
    }
    w.push_str("    node [shape=point, width=0.05, height=0.05, label=\"\"];\n");
    let _ = writeln!(
        w,
        "    \"legend__c1\" -> \"legend__c2\" [label=<critical binding>, penwidth={}];",
        style::PEN_CRITICAL
    );
    let _ = writeln!(
        w,
        "    \"legend__n1\" -> \"legend__n2\" [label=<non-critical binding>, penwidth={}, arrowhead=onormal];",
        style::PEN_NON_CRITICAL
    );
    if external {
        w.push_str("    \"legend__u1\" -> \"legend__u2\" [label=<uses an external>, arrowhead=vee, style=dashed, color=\"#777777\"];\n");
    }
    w.push_str("  }\n");
}

/// Legend nodes, then invisible edges that put them in rows of three.
fn write_rows(w: &mut String, nodes: &[(String, String)]) {
    for (id, attrs) in nodes {
        let _ = writeln!(w, "    \"{id}\" [{attrs}];");
    }
    for row in nodes.chunks(3) {
        for pair in row.windows(2) {
            let _ = writeln!(
                w,
                "    \"{}\" -> \"{}\" [style=invis];",
                pair[0].0, pair[1].0
            );
        }
    }
}
