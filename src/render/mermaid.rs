//! The architecture diagram as a Mermaid `flowchart` that GitHub renders inline: a subgraph
//! per environment, a shape per service kind, thick arrows for critical bindings, dotted for
//! non-critical ones, and classes that tell apps, managed and user-provided services and
//! externals apart (and, with a verdict, colour every element by its checks).
//!
//! Labels are always `"..."` strings with entity codes ([`style::mermaid_text`]); ids are
//! [`style::node_id`]s, plain letters, digits and `_`.

use super::RenderOptions;
use super::overlay::EnvOverlay;
use super::scope::{self, Aggregate};
use super::style::{self, NodeRole, Overlay};
use crate::model::{Environment, Model, ServiceKind};
use crate::verify::Status;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Renders the model (or one environment of it) as a Mermaid flowchart.
pub(super) fn render(model: &Model, options: &RenderOptions) -> anyhow::Result<String> {
    let drawn = scope::drawing(model, options)?;
    let mut out = String::with_capacity(4096);
    let mut m = Mermaid::default();
    if drawn.first().is_some_and(|d| d.aggregated) {
        let _ = writeln!(out, "%% {}", scope::AGGREGATED_NOTE);
    }
    out.push_str("flowchart LR\n");
    for d in &drawn {
        let env = d.env.as_ref();
        let overlay = options.verdict.and_then(|v| EnvOverlay::build(v, env));
        if d.aggregated {
            m.aggregated(&mut out, env, &Aggregate::of(env, overlay.as_ref()));
        } else {
            m.environment(&mut out, env, overlay.as_ref());
        }
    }
    m.finish(&mut out, options.verdict.is_some());
    Ok(out)
}

/// Classes and link styles collected while writing, emitted at the end.
#[derive(Default)]
struct Mermaid {
    /// Class name -> node ids, in order of appearance.
    classes: BTreeMap<&'static str, Vec<String>>,
    /// Link index -> class of its style.
    links: usize,
    link_styles: BTreeMap<&'static str, Vec<usize>>,
}

fn class_of(o: Overlay) -> &'static str {
    match o {
        Overlay::Status(Status::Ok) => "ok",
        Overlay::Status(Status::Warning) => "warning",
        Overlay::Status(Status::Critical) => "critical",
        Overlay::Status(Status::Unknown) => "unknown",
        Overlay::Status(Status::NotChecked) | Overlay::NotChecked => "notchecked",
    }
}

fn shape(kind: ServiceKind) -> (&'static str, &'static str) {
    match kind {
        ServiceKind::Database => ("[(", ")]"),
        ServiceKind::Queue => (">", "]"),
        ServiceKind::Cache => ("[[", "]]"),
        ServiceKind::Search => ("{{", "}}"),
        ServiceKind::Storage => ("[/", "/]"),
        ServiceKind::Monitoring => ("([", "])"),
        ServiceKind::Logging => ("[\\", "\\]"),
        ServiceKind::Email => ("[/", "\\]"),
        ServiceKind::Identity => ("{", "}"),
        ServiceKind::Config => ("[\\", "/]"),
        ServiceKind::Other => ("[", "]"),
    }
}

impl Mermaid {
    fn node(
        &mut self,
        out: &mut String,
        id: &str,
        open_close: (&str, &str),
        label: &str,
        class: &'static str,
    ) {
        let _ = writeln!(out, "    {id}{}\"{label}\"{}", open_close.0, open_close.1);
        self.classes.entry(class).or_default().push(id.to_owned());
    }

    fn link(
        &mut self,
        out: &mut String,
        from: &str,
        arrow: &str,
        label: &str,
        to: &str,
        class: Option<&'static str>,
    ) {
        if label.is_empty() {
            let _ = writeln!(out, "    {from} {arrow} {to}");
        } else {
            let _ = writeln!(out, "    {from} {arrow}|\"{label}\"| {to}");
        }
        if let Some(c) = class {
            self.link_styles.entry(c).or_default().push(self.links);
        }
        self.links += 1;
    }

    fn environment(&mut self, out: &mut String, env: &Environment, overlay: Option<&EnvOverlay>) {
        let _ = writeln!(
            out,
            "  subgraph {} [\"{}: org {} · space {}\"]",
            style::env_id(&env.name),
            style::mermaid_text(&env.name),
            style::mermaid_text(&env.org),
            style::mermaid_text(&env.space)
        );
        out.push_str("    direction LR\n");
        self.apps(out, env, overlay);
        self.services(out, env, overlay);
        for x in &env.externals {
            let id = style::node_id(&env.name, NodeRole::External, &x.id);
            let label = format!("{}<br/>external", style::mermaid_text(&x.label));
            self.node(out, &id, ("(((", ")))"), &label, "external");
        }
        // Ids of the nodes of extras drawn so far, each drawn once.
        let mut extra_nodes: Vec<String> = Vec::new();
        if let Some(o) = overlay {
            for (name, status) in &o.extra_apps {
                self.extra_node(
                    out,
                    &mut extra_nodes,
                    env,
                    NodeRole::ExtraApp,
                    name,
                    *status,
                );
            }
            for (name, status) in &o.extra_services {
                let role = NodeRole::ExtraService;
                self.extra_node(out, &mut extra_nodes, env, role, name, *status);
            }
        }
        self.bindings(out, env, overlay);
        for x in &env.externals {
            let to = style::node_id(&env.name, NodeRole::External, &x.id);
            for app in &x.used_by {
                let from = style::node_id(&env.name, NodeRole::App, app);
                self.link(out, &from, "-->", "uses", &to, None);
            }
        }
        if let Some(o) = overlay {
            self.extra_bindings(out, &mut extra_nodes, env, o);
        }
        out.push_str("  end\n");
    }

    /// An environment drawn grouped (see [`scope::Aggregate`]).
    fn aggregated(&mut self, out: &mut String, env: &Environment, a: &Aggregate) {
        let _ = writeln!(
            out,
            "  subgraph {} [\"{}: org {} · space {} · {} apps and {} service instances, grouped\"]",
            style::env_id(&env.name),
            style::mermaid_text(&env.name),
            style::mermaid_text(&env.org),
            style::mermaid_text(&env.space),
            a.apps,
            a.services
        );
        out.push_str("    direction LR\n");
        for g in &a.app_groups {
            let id = style::group_node_id(&env.name, &g.id);
            let mut names = g.examples.join(", ");
            if g.count > g.examples.len() {
                names.push_str(", …");
            }
            let label = format!("{} apps<br/>{}", g.count, style::mermaid_text(&names));
            let class = g.overlay.map_or("app", class_of);
            self.node(out, &id, ("(", ")"), &label, class);
        }
        for k in &a.kinds {
            let id = style::kind_node_id(&env.name, k.kind);
            let mut label = format!("{}<br/>{} instances", k.kind.as_str(), k.count);
            if k.user_provided > 0 {
                let _ = write!(label, ", {} user-provided", k.user_provided);
            }
            let class = k.overlay.map_or("managed", class_of);
            self.node(out, &id, shape(k.kind), &label, class);
        }
        for g in &a.app_groups {
            let from = style::group_node_id(&env.name, &g.id);
            for e in &g.edges {
                let to = style::kind_node_id(&env.name, e.kind);
                let mut label = format!("{} bindings", e.bindings);
                if e.critical < e.bindings {
                    let _ = write!(label, ", {} non-critical", e.bindings - e.critical);
                }
                let arrow = if e.critical > 0 { "==>" } else { "-.->" };
                self.link(out, &from, arrow, &label, &to, e.overlay.map(class_of));
            }
        }
        out.push_str("  end\n");
    }

    fn apps(&mut self, out: &mut String, env: &Environment, overlay: Option<&EnvOverlay>) {
        for app in &env.apps {
            let id = style::node_id(&env.name, NodeRole::App, &app.id);
            let label = format!(
                "{}<br/>app {} · {} × {}",
                style::mermaid_text(&app.name),
                style::mermaid_text(&app.id),
                app.instances,
                style::mermaid_text(app.memory.as_deref().unwrap_or("default memory"))
            );
            let class = overlay.map_or("app", |o| class_of(o.app(&app.id)));
            self.node(out, &id, ("(", ")"), &label, class);
        }
    }

    fn services(&mut self, out: &mut String, env: &Environment, overlay: Option<&EnvOverlay>) {
        for s in &env.services {
            let id = style::node_id(&env.name, NodeRole::Service, &s.id);
            let facts = style::service_facts(s, &style::MERMAID);
            let label = format!("{}<br/>{facts}", style::mermaid_text(&s.name));
            let class = match overlay {
                Some(o) => class_of(o.service(&s.id)),
                None if s.user_provided => "ups",
                None => "managed",
            };
            self.node(out, &id, shape(s.kind), &label, class);
        }
    }

    /// The node of an app or instance the model lacks, unless `drawn` has it; its id.
    fn extra_node(
        &mut self,
        out: &mut String,
        drawn: &mut Vec<String>,
        env: &Environment,
        role: NodeRole,
        name: &str,
        status: Overlay,
    ) -> String {
        let id = style::node_id(&env.name, role, name);
        if drawn.contains(&id) {
            return id;
        }
        let (shape, what) = if role == NodeRole::ExtraApp {
            (("(", ")"), "app")
        } else {
            (("[", "]"), "service instance")
        };
        let label = format!("{}<br/>{what} not in the model", style::mermaid_text(name));
        self.node(out, &id, shape, &label, class_of(status));
        self.classes.entry("extra").or_default().push(id.clone());
        drawn.push(id.clone());
        id
    }

    /// The model's bindings: thick arrows for critical ones, dotted for the others.
    fn bindings(&mut self, out: &mut String, env: &Environment, overlay: Option<&EnvOverlay>) {
        for (app, b, s) in env.bindings() {
            let from = style::node_id(&env.name, NodeRole::App, &app.id);
            let to = style::node_id(&env.name, NodeRole::Service, &s.id);
            let label = style::binding_label(b, &style::MERMAID);
            let arrow = if b.critical { "==>" } else { "-.->" };
            let class = overlay.map(|o| class_of(o.binding(&app.id, &s.id)));
            self.link(out, &from, arrow, &label, &to, class);
        }
    }

    /// Bindings the model lacks, with a node for each end the model lacks too.
    fn extra_bindings(
        &mut self,
        out: &mut String,
        drawn: &mut Vec<String>,
        env: &Environment,
        o: &EnvOverlay,
    ) {
        for (app, service, status) in &o.extra_bindings {
            let from = match env.app_by_name(app) {
                Some(a) => style::node_id(&env.name, NodeRole::App, &a.id),
                None => self.extra_node(out, drawn, env, NodeRole::ExtraApp, app, *status),
            };
            let to = match env.service_by_name(service) {
                Some(s) => style::node_id(&env.name, NodeRole::Service, &s.id),
                None => self.extra_node(out, drawn, env, NodeRole::ExtraService, service, *status),
            };
            let class = Some(class_of(*status));
            self.link(out, &from, "-.->", "not in the model", &to, class);
        }
    }

    fn finish(&self, out: &mut String, verdict: bool) {
        let defs: &[(&str, &str)] = &[
            ("app", "fill:#dbe9f6,stroke:#333333"),
            ("managed", "fill:#fff2cc,stroke:#333333"),
            ("ups", "fill:#ffffff,stroke:#333333,stroke-dasharray:6 3"),
            (
                "external",
                "fill:#eeeeee,stroke:#777777,stroke-dasharray:2 2",
            ),
            ("ok", "fill:#c8e6c9,stroke:#2e7d32,stroke-width:2px"),
            ("warning", "fill:#ffe0b2,stroke:#e69500,stroke-width:2px"),
            (
                "critical",
                "fill:#ffcdd2,stroke:#c62828,stroke-width:3px,stroke-dasharray:6 3",
            ),
            (
                "unknown",
                "fill:#e0e0e0,stroke:#616161,stroke-width:2px,stroke-dasharray:6 3",
            ),
            ("notchecked", "fill:#f7f7f7,stroke:#b0b0b0,color:#777777"),
            ("extra", "stroke-dasharray:2 2"),
        ];
        for (name, def) in defs {
            if self.classes.contains_key(name) {
                let _ = writeln!(out, "  classDef {name} {def}");
            }
        }
        for (name, ids) in &self.classes {
            let _ = writeln!(out, "  class {} {name}", ids.join(","));
        }
        if verdict {
            for (class, links) in &self.link_styles {
                let style = match *class {
                    "ok" => "stroke:#2e7d32,stroke-width:2px",
                    "warning" => "stroke:#e69500,stroke-width:2px",
                    "critical" => "stroke:#c62828,stroke-width:3px,stroke-dasharray:6 3",
                    "unknown" => "stroke:#616161,stroke-width:2px,stroke-dasharray:6 3",
                    _ => "stroke:#b0b0b0",
                };
                let list: Vec<String> = links.iter().map(|i| i.to_string()).collect();
                let _ = writeln!(out, "  linkStyle {} {style}", list.join(","));
            }
        }
    }
}
