//! The architecture of one environment as a directed graph: apps point at the service
//! instances they are bound to and the externals they use.
//!
//! Node and edge order is the model's order, so everything drawn from the graph is
//! deterministic.

use super::{App, Binding, Environment, External, Service};
use petgraph::graph::{DiGraph, NodeIndex};
/// The model's ids and names are the user's own file: a fast hasher, not a DoS-resistant one.
type HashMap<K, V> = foldhash::HashMap<K, V>;

/// A node: an index into the environment's `apps`, `services` or `externals`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    App(usize),
    Service(usize),
    External(usize),
}

/// An edge from an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edge {
    /// A binding: index into the source app's `bindings`.
    Binding(usize),
    /// An app uses an external.
    Uses,
}

/// The graph of one environment, with lookups by id.
#[derive(Debug, Clone, Default)]
pub struct ArchGraph {
    pub graph: DiGraph<Node, Edge>,
    apps: HashMap<String, NodeIndex>,
    services: HashMap<String, NodeIndex>,
    externals: HashMap<String, NodeIndex>,
    app_names: HashMap<String, usize>,
    service_names: HashMap<String, usize>,
    /// Each binding's service instance (index into `services`), app after app, binding
    /// after binding; app `i`'s are `targets[target_start[i]..target_start[i + 1]]`.
    targets: Vec<Option<usize>>,
    target_start: Vec<usize>,
}

/// An empty map for `n` entries.
fn with_capacity<V>(n: usize) -> HashMap<String, V> {
    HashMap::with_capacity_and_hasher(n, Default::default())
}

impl ArchGraph {
    /// Builds the graph; every id must already be valid (resolve checked it).
    pub fn build(apps: &[App], services: &[Service], externals: &[External]) -> ArchGraph {
        // Sized up front: a large environment has thousands of nodes and edges.
        let nodes = apps.len() + services.len() + externals.len();
        let edges = apps.iter().map(|a| a.bindings.len()).sum::<usize>()
            + externals.iter().map(|x| x.used_by.len()).sum::<usize>();
        let mut g = ArchGraph {
            graph: DiGraph::with_capacity(nodes, edges),
            apps: with_capacity(apps.len()),
            services: with_capacity(services.len()),
            externals: with_capacity(externals.len()),
            app_names: with_capacity(apps.len()),
            service_names: with_capacity(services.len()),
            targets: Vec::with_capacity(edges),
            target_start: Vec::with_capacity(apps.len() + 1),
        };
        for (i, a) in apps.iter().enumerate() {
            let n = g.graph.add_node(Node::App(i));
            g.apps.insert(a.id.clone(), n);
            g.app_names
                .insert(crate::cf_name::key(&a.name).into_owned(), i);
        }
        for (i, s) in services.iter().enumerate() {
            let n = g.graph.add_node(Node::Service(i));
            g.services.insert(s.id.clone(), n);
            g.service_names
                .insert(crate::cf_name::key(&s.name).into_owned(), i);
        }
        for (i, x) in externals.iter().enumerate() {
            let n = g.graph.add_node(Node::External(i));
            g.externals.insert(x.id.clone(), n);
        }
        for a in apps {
            let from = g.apps[&a.id];
            g.target_start.push(g.targets.len());
            for (bi, b) in a.bindings.iter().enumerate() {
                let to = g.services.get(&b.service).copied();
                g.targets.push(to.and_then(|to| match g.graph[to] {
                    Node::Service(i) => Some(i),
                    _ => None,
                }));
                if let Some(to) = to {
                    g.graph.add_edge(from, to, Edge::Binding(bi));
                }
            }
        }
        g.target_start.push(g.targets.len());
        for x in externals {
            let to = g.externals[&x.id];
            for app in &x.used_by {
                if let Some(&from) = g.apps.get(app) {
                    g.graph.add_edge(from, to, Edge::Uses);
                }
            }
        }
        g
    }

    pub fn app_node(&self, id: &str) -> Option<NodeIndex> {
        self.apps.get(id).copied()
    }
    pub fn service_node(&self, id: &str) -> Option<NodeIndex> {
        self.services.get(id).copied()
    }

    /// Index (into `env.apps`) of an app by id.
    pub fn app_index(&self, id: &str) -> Option<usize> {
        match self.graph[self.app_node(id)?] {
            Node::App(i) => Some(i),
            _ => None,
        }
    }
    /// Index (into `env.services`) of a service instance by id.
    pub fn service_index(&self, id: &str) -> Option<usize> {
        match self.graph[self.service_node(id)?] {
            Node::Service(i) => Some(i),
            _ => None,
        }
    }
    /// For each binding of the app at `app` (an index into `env.apps`), in order, the index
    /// (into `env.services`) of its service instance; `None` where the environment has no
    /// instance of that id. Empty for an index out of range.
    pub fn binding_targets(&self, app: usize) -> &[Option<usize>] {
        match (self.target_start.get(app), self.target_start.get(app + 1)) {
            (Some(&start), Some(&end)) => &self.targets[start..end],
            _ => &[],
        }
    }
    /// Index (into `env.apps`) of an app by CF name, in any case (see [`crate::cf_name`]).
    pub fn app_index_by_name(&self, name: &str) -> Option<usize> {
        self.app_names
            .get(crate::cf_name::key(name).as_ref())
            .copied()
    }
    /// Index (into `env.services`) of a service instance by CF name, in any case.
    pub fn service_index_by_name(&self, name: &str) -> Option<usize> {
        self.service_names
            .get(crate::cf_name::key(name).as_ref())
            .copied()
    }
}

impl Environment {
    /// What an app loses when the binding to `service_id` is gone, in words for a report:
    /// "c2-staging-worker can no longer reach its queue c2-staging-redis (background jobs)".
    pub fn binding_impact(&self, app: &App, binding: &Binding) -> String {
        let Some(service) = self.service(&binding.service) else {
            return format!("{} loses a service", app.name);
        };
        let mut s = format!(
            "{} can no longer reach its {} {}",
            app.name,
            service.kind.as_str(),
            service.name
        );
        if let Some(purpose) = &binding.purpose {
            s.push_str(&format!(" ({purpose})"));
        } else if let Some(desc) = &app.description {
            s.push_str(&format!("; affected: {desc}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::Direction;

    /// A binding is an edge from the app to the service: C2's staging queue is reached by
    /// the web app and the worker (indexes 0 and 1), in model order.
    #[test]
    fn bindings_are_edges_into_the_service() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/c2.json");
        let model = crate::model::load(std::path::Path::new(path)).unwrap();
        let g = &model.environment("staging").unwrap().graph;
        let queue = g.service_node("queue").unwrap();
        let mut apps: Vec<usize> = g
            .graph
            .neighbors_directed(queue, Direction::Incoming)
            .filter_map(|n| match g.graph[n] {
                Node::App(i) => Some(i),
                _ => None,
            })
            .collect();
        apps.sort_unstable();
        assert_eq!(apps, [0, 1]);
    }
}
