//! A manifest read as `cf push` reads it, into a normalized [`Manifest`].
//!
//! In order: YAML (anchors and merge keys resolved, `env:` values skipped unread), `((var))`
//! interpolation ([`Vars`]), then each application with the top-level attributes it inherits
//! (the deprecated but common style: mappings merge, lists concatenate, the app's own scalars
//! win), the deprecated route attributes (`host`, `hosts`, `domain`, `domains`,
//! `no-hostname`, `random-route`) expanded host x domain as the cf CLI v6 did, `buildpack`
//! beside `buildpacks`, and the `web` process of `processes:` overriding the app's instances,
//! memory, disk, command and health check. Anything `cf push` would refuse is a
//! [`ManifestError`] naming file, line and column.

use super::error::ManifestError;
use super::node::{self, Key, Located, Node, Pos, ScalarKind};
use super::vars::Vars;
use crate::model::HealthCheck;
use crate::model::units;
use std::collections::BTreeMap;
use std::fmt;

/// A manifest as `cf push` would apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The file as the user named it.
    pub file: String,
    /// In file order.
    pub apps: Vec<ManifestApp>,
}

impl Manifest {
    /// The app of this name, if the manifest has one.
    pub fn app(&self, name: &str) -> Option<&ManifestApp> {
        self.apps
            .iter()
            .find(|a| crate::cf_name::same(&a.name, name))
    }
}

/// One application of a manifest, with inherited attributes applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestApp {
    pub name: String,
    /// Where its entry starts.
    pub line: u64,
    pub instances: Option<u32>,
    pub memory: Option<Size>,
    pub disk_quota: Option<Size>,
    /// The routes `cf push` maps (empty with `no-route: true`).
    pub routes: Vec<Route>,
    pub no_route: bool,
    pub health_check: Option<HealthCheck>,
    pub health_check_endpoint: Option<String>,
    pub command: Option<String>,
    /// `buildpacks`, or the deprecated `buildpack` as a list of one.
    pub buildpacks: Option<Vec<String>>,
    pub stack: Option<String>,
    /// Service instances to bind, in order, without duplicates.
    pub services: Vec<ServiceRef>,
    /// Attributes of the app's own entry that this reader does not know (a typo like
    /// `service:` would silently drop bindings), in file order.
    pub unknown_attributes: Vec<String>,
    /// Values that came from variables -> the text as written (`((name))`): see [`Self::show`].
    pub shown: BTreeMap<String, String>,
}

impl ManifestApp {
    /// How a value read from this app's entry is shown in a message: as written when a
    /// variable went into it (`./run --key ((api_key))`), since variable values may be
    /// secrets; else as it is.
    pub fn show(&self, value: &str) -> String {
        if let Some(written) = self.shown.get(value) {
            return written.clone();
        }
        // A value built from several (a route from a host and a domain, a size with its unit).
        let mut out = value.to_owned();
        for (v, written) in self.shown.iter().rev() {
            if v.chars().count() >= 4 && out.contains(v.as_str()) {
                out = out.replace(v.as_str(), written);
            }
        }
        out
    }

    pub fn binds(&self, service_name: &str) -> bool {
        self.services
            .iter()
            .any(|s| crate::cf_name::same(&s.name, service_name))
    }
}

/// A memory or disk size as written, and in megabytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Size {
    pub text: String,
    pub mb: u64,
}

/// A service instance in an app's `services:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub name: String,
    pub binding_name: Option<String>,
    /// Whether `parameters` were given (their values are not kept).
    pub has_parameters: bool,
    /// Listed only in the top-level `services:` that every application inherited: the cf CLI
    /// v6 bound it, v7 and later do not apply top-level attributes, so they do not.
    pub inherited: bool,
}

/// A route `cf push` would map.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Route {
    /// `host.domain[:port][/path]`, lower case.
    Exact(String),
    /// A host on the org's default shared domain (no `domain` given): only the host is known.
    /// `None` is the default domain itself (`no-hostname` without a domain).
    DefaultDomain { host: Option<String> },
    /// `random-route: true`: a generated host, on `domain` or the default domain.
    Random { domain: Option<String> },
}

impl Route {
    /// Whether this route is `model_route`, as far as the manifest says.
    pub fn matches(&self, model_route: &str) -> RouteMatch {
        let m = model_route.to_ascii_lowercase();
        match self {
            Route::Exact(r) if *r == m => RouteMatch::Yes,
            Route::DefaultDomain { host: Some(h) }
                if m.strip_prefix(h.as_str())
                    .is_some_and(|rest| rest.starts_with('.') && !rest.contains('/')) =>
            {
                RouteMatch::HostOnly
            }
            _ => RouteMatch::No,
        }
    }
}

/// How a manifest route compares with a model route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteMatch {
    Yes,
    /// Same host, on the org's default domain, which the manifest does not name: it may or
    /// may not be the model's domain.
    HostOnly,
    No,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Exact(r) => f.write_str(r),
            Route::DefaultDomain { host: Some(h) } => write!(f, "{h}.<default domain>"),
            Route::DefaultDomain { host: None } => f.write_str("<default domain>"),
            Route::Random { domain } => write!(
                f,
                "<random>.{}",
                domain.as_deref().unwrap_or("<default domain>")
            ),
        }
    }
}

/// Attributes an application may have (`cf push` manifest reference, v6 to v8), beside the
/// ones this reader interprets.
const KNOWN_IGNORED: &[&str] = &[
    "env",
    "path",
    "docker",
    "timeout",
    "metadata",
    "sidecars",
    "lifecycle",
    "log-rate-limit-per-second",
    "log_rate_limit_per_second",
    "health-check-invocation-timeout",
    "health-check-interval",
    "readiness-health-check-type",
    "readiness-health-check-http-endpoint",
    "readiness-health-check-invocation-timeout",
    "readiness-health-check-interval",
    "cnb-credentials",
    "features",
];

/// The app attributes this reader interprets, besides [`LEGACY_ROUTE_KEYS`].
const INTERPRETED: &[&str] = &[
    "name",
    "instances",
    "memory",
    "disk_quota",
    "disk-quota",
    "routes",
    "route",
    "no-route",
    "default-route",
    "health-check-type",
    "health-check-http-endpoint",
    "command",
    "buildpack",
    "buildpacks",
    "stack",
    "services",
    "processes",
];

/// The route attributes older than `routes:`, which cf push refuses beside it.
const LEGACY_ROUTE_KEYS: &[&str] = &[
    "host",
    "hosts",
    "domain",
    "domains",
    "no-hostname",
    "random-route",
];

/// Reads manifest `text` (named `file` in errors) with `vars`.
pub fn read(file: &str, text: &str, vars: &Vars) -> Result<Manifest, ManifestError> {
    let mut doc = node::parse(text).map_err(|(msg, pos)| {
        let msg = if msg == node::ENV_ALIAS {
            msg
        } else {
            format!("invalid YAML: {msg}")
        };
        ManifestError::new(file, pos, msg)
    })?;
    vars.interpolate(&mut doc, file)?;
    let r = Reader { file };
    let Node::Map(top) = &doc.node else {
        return Err(r
            .err(
                doc.pos,
                format!(
                    "a manifest is a mapping with `applications:`, but this file is {}",
                    doc.node.describe()
                ),
            )
            .help(EXAMPLE));
    };
    let mut applications = None;
    let mut globals: Vec<(Key, Located)> = Vec::new();
    for (k, v) in top {
        match k.text.as_str() {
            "applications" => applications = Some(v),
            "version" => match &v.node {
                Node::Scalar { text, .. } if text == "1" => {}
                other => {
                    return Err(r
                        .err(
                            v.pos,
                            format!(
                                "manifest `version` {} is not supported",
                                scalar_text(other).unwrap_or(other.describe())
                            ),
                        )
                        .help("the only manifest schema version is 1: `version: 1`"));
                }
            },
            "inherit" => return Err(inherit_error(&r, k.pos)),
            _ => globals.push((k.clone(), v.clone())),
        }
    }
    let Some(applications) = applications else {
        return Err(r
            .err(doc.pos, "the manifest has no `applications`")
            .help(EXAMPLE));
    };
    let items = match &applications.node {
        Node::Seq(items) if !items.is_empty() => items,
        Node::Seq(_) | Node::Null => {
            return Err(r
                .err(applications.pos, "`applications` is empty")
                .help(EXAMPLE));
        }
        other => {
            return Err(r
                .err(
                    applications.pos,
                    format!("`applications` must be a list, not {}", other.describe()),
                )
                .help(EXAMPLE));
        }
    };
    let mut apps: Vec<ManifestApp> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Node::Map(own) = &item.node else {
            return Err(r.err(
                item.pos,
                format!(
                    "application #{} must be a mapping with `name:`, not {}",
                    i + 1,
                    item.node.describe()
                ),
            ));
        };
        if let Some((k, _)) = own.iter().find(|(k, _)| k.text == "inherit") {
            return Err(inherit_error(&r, k.pos));
        }
        let app = r.app(i, item.pos, own, &globals)?;
        if let Some(first) = apps
            .iter()
            .find(|a| crate::cf_name::same(&a.name, &app.name))
        {
            return Err(r
                .err(
                    item.pos,
                    format!(
                        "application `{}` is listed twice (first at line {})",
                        app.name, first.line
                    ),
                )
                .help("list each application once"));
        }
        apps.push(app);
    }
    Ok(Manifest {
        file: file.to_owned(),
        apps,
    })
}

const EXAMPLE: &str =
    "a manifest looks like:\n    applications:\n    - name: my-app\n      services:\n      - my-db";

fn inherit_error(r: &Reader, pos: Pos) -> ManifestError {
    r.err(pos, "`inherit:` is not supported")
        .help("the cf CLI v7 and later refuse `inherit`; copy the parent manifest's attributes into this one, or generate it with `archcheck manifest`")
}

fn scalar_text(n: &Node) -> Option<&str> {
    match n {
        Node::Scalar { text, .. } => Some(text),
        _ => None,
    }
}

struct Reader<'a> {
    file: &'a str,
}

/// Deep merge as the cf CLI v6 applied top-level attributes: the app's scalars win, mappings
/// merge, lists concatenate (global entries first).
fn merge(globals: &[(Key, Located)], own: &[(Key, Located)]) -> Vec<(Key, Located)> {
    let mut out: Vec<(Key, Located)> = globals.to_vec();
    for (k, v) in own {
        match out.iter_mut().find(|(ok, _)| ok.text == k.text) {
            None => out.push((k.clone(), v.clone())),
            Some((ok, ov)) => {
                match (&ov.node, &v.node) {
                    (Node::Map(a), Node::Map(b)) => {
                        ov.node = Node::Map(merge(a, b));
                    }
                    (Node::Seq(a), Node::Seq(b)) => {
                        let mut all = a.clone();
                        all.extend(b.iter().cloned());
                        ov.node = Node::Seq(all);
                    }
                    _ => *ov = v.clone(),
                }
                *ok = k.clone();
            }
        }
    }
    out
}

impl Reader<'_> {
    fn err(&self, pos: Pos, message: impl Into<String>) -> ManifestError {
        ManifestError::new(self.file, pos, message)
    }

    fn app(
        &self,
        index: usize,
        pos: Pos,
        own: &[(Key, Located)],
        globals: &[(Key, Located)],
    ) -> Result<ManifestApp, ManifestError> {
        let attrs = merge(globals, own);
        let get = |key: &str| attrs.iter().find(|(k, _)| k.text == key).map(|(_, v)| v);
        let own_has = |key: &str| own.iter().any(|(k, _)| k.text == key);

        let name = self.app_name(index, pos, get("name"))?;
        let ctx = AppCtx {
            r: self,
            name: &name,
        };
        let mut process = ctx.process_settings(&get)?;
        let stack = get("stack").map(|v| ctx.string("stack", v)).transpose()?;
        let buildpacks = ctx.buildpacks(&get, &own_has)?;
        if let Some(p) = get("processes") {
            ctx.web_process(p, &mut process)?;
        }
        let no_route = get("no-route")
            .map(|v| ctx.boolean("no-route", v))
            .transpose()?
            .unwrap_or(false);
        let routes = ctx.routes(&get, &own_has, no_route)?;
        let services = ctx.app_services(own, globals, get("services"))?;

        Ok(ManifestApp {
            name,
            line: pos.line,
            instances: process.instances,
            memory: process.memory,
            disk_quota: process.disk_quota,
            routes,
            no_route,
            health_check: process.health_check,
            health_check_endpoint: process.health_check_endpoint,
            command: process.command,
            buildpacks,
            stack,
            services,
            unknown_attributes: unknown_attributes(own),
            shown: shown_values(&attrs),
        })
    }

    /// The application's `name`, which it must have.
    fn app_name(
        &self,
        index: usize,
        pos: Pos,
        name: Option<&Located>,
    ) -> Result<String, ManifestError> {
        let Some(v) = name else {
            return Err(self
                .err(pos, format!("application #{} has no `name`", index + 1))
                .help("every application needs `name: <CF app name>`"));
        };
        match &v.node {
            Node::Scalar { text, .. } if !text.trim().is_empty() => Ok(text.clone()),
            other => Err(self.err(
                v.pos,
                format!(
                    "application #{} has an invalid `name`: expected a string, found {}",
                    index + 1,
                    other.describe()
                ),
            )),
        }
    }
}

/// Every scalar value a variable went into -> the text as written, also by its lower-case
/// form (routes are compared in lower case).
fn shown_values(attrs: &[(Key, Located)]) -> BTreeMap<String, String> {
    fn walk(n: &Located, out: &mut BTreeMap<String, String>) {
        match &n.node {
            Node::Scalar { text, .. } => {
                if let Some(written) = &n.shown {
                    out.insert(text.clone(), written.clone());
                    out.insert(text.trim().to_ascii_lowercase(), written.clone());
                }
            }
            Node::Seq(items) => items.iter().for_each(|i| walk(i, out)),
            Node::Map(entries) => entries.iter().for_each(|(_, v)| walk(v, out)),
            Node::Null | Node::Skipped => {}
        }
    }
    let mut out = BTreeMap::new();
    for (_, v) in attrs {
        walk(v, &mut out);
    }
    out
}

/// Only the app's own keys: unknown top-level keys usually hold YAML anchors.
fn unknown_attributes(own: &[(Key, Located)]) -> Vec<String> {
    own.iter()
        .map(|(k, _)| k.text.as_str())
        .filter(|t| {
            !INTERPRETED.contains(t) && !LEGACY_ROUTE_KEYS.contains(t) && !KNOWN_IGNORED.contains(t)
        })
        .map(str::to_owned)
        .collect()
}

/// The settings of the app's web process: the app's attributes, then a `web` entry of
/// `processes` over them.
#[derive(Default)]
struct ProcessSettings {
    instances: Option<u32>,
    memory: Option<Size>,
    disk_quota: Option<Size>,
    health_check: Option<HealthCheck>,
    health_check_endpoint: Option<String>,
    command: Option<String>,
}

struct AppCtx<'a> {
    r: &'a Reader<'a>,
    name: &'a str,
}

impl AppCtx<'_> {
    fn err(&self, pos: Pos, message: impl AsRef<str>) -> ManifestError {
        self.r.err(
            pos,
            format!("application `{}` {}", self.name, message.as_ref()),
        )
    }

    fn wrong(&self, key: &str, v: &Located, expected: &str) -> ManifestError {
        let found = match (&v.node, &v.shown) {
            // The value may be a secret: say what was written.
            (node, Some(written)) => format!("{} from `{written}`", node.describe()),
            (node, None) => Self::describe_found(node),
        };
        self.err(
            v.pos,
            format!("has an invalid `{key}`: expected {expected}, found {found}"),
        )
    }

    fn describe_found(node: &Node) -> String {
        match node {
            Node::Scalar { kind, text } if *kind == ScalarKind::Str => {
                format!("the string `{text}`")
            }
            Node::Scalar { text, .. } => format!("{} `{text}`", node.describe()),
            other => other.describe().to_owned(),
        }
    }

    /// The app's own process settings, as attributes.
    fn process_settings<'g>(
        &self,
        get: &dyn Fn(&str) -> Option<&'g Located>,
    ) -> Result<ProcessSettings, ManifestError> {
        let disk_key = if get("disk_quota").is_some() {
            "disk_quota"
        } else {
            "disk-quota"
        };
        Ok(ProcessSettings {
            instances: get("instances")
                .map(|v| self.count("instances", v))
                .transpose()?,
            memory: get("memory").map(|v| self.size("memory", v)).transpose()?,
            disk_quota: get(disk_key).map(|v| self.size(disk_key, v)).transpose()?,
            health_check: get("health-check-type")
                .map(|v| self.health_check(v))
                .transpose()?,
            health_check_endpoint: get("health-check-http-endpoint")
                .map(|v| self.string("health-check-http-endpoint", v))
                .transpose()?,
            command: get("command")
                .map(|v| self.string("command", v))
                .transpose()?,
        })
    }

    /// `buildpacks`, or the deprecated `buildpack`; both in the app itself is refused.
    fn buildpacks<'g>(
        &self,
        get: &dyn Fn(&str) -> Option<&'g Located>,
        own_has: &dyn Fn(&str) -> bool,
    ) -> Result<Option<Vec<String>>, ManifestError> {
        if own_has("buildpack")
            && own_has("buildpacks")
            && let Some(bs) = get("buildpacks")
        {
            return Err(self
                .err(bs.pos, "sets both `buildpack` and `buildpacks`")
                .help("use `buildpacks:` (a list) only; `buildpack` is deprecated"));
        }
        // The app's own attribute wins over an inherited one; `buildpacks` over `buildpack`.
        let singular_first = own_has("buildpack") && !own_has("buildpacks");
        Ok(match (get("buildpack"), get("buildpacks")) {
            (Some(b), _) if singular_first => self.buildpack(b)?,
            (_, Some(bs)) => Some(self.strings("buildpacks", bs)?),
            (Some(b), None) => self.buildpack(b)?,
            (None, None) => None,
        })
    }

    /// Reads `processes`; the `web` entry's settings override the app's.
    fn web_process(&self, p: &Located, web: &mut ProcessSettings) -> Result<(), ManifestError> {
        let Node::Seq(items) = &p.node else {
            return Err(self.err(
                p.pos,
                format!("`processes` must be a list, found {}", p.node.describe()),
            ));
        };
        for item in items {
            if !matches!(item.node, Node::Map(_)) {
                return Err(self.err(
                    item.pos,
                    format!(
                        "each process must be a mapping with `type:`, found {}",
                        item.node.describe()
                    ),
                ));
            }
            let ty = match item.get("type") {
                Some(t) => self.string("type", t)?,
                None => {
                    return Err(self
                        .err(item.pos, "a process has no `type`")
                        .help("e.g. `- type: web`"));
                }
            };
            if ty != "web" {
                continue;
            }
            if let Some(v) = item.get("instances") {
                web.instances = Some(self.count("instances", v)?);
            }
            if let Some(v) = item.get("memory") {
                web.memory = Some(self.size("memory", v)?);
            }
            if let Some(v) = item.get("disk_quota").or_else(|| item.get("disk-quota")) {
                web.disk_quota = Some(self.size("disk_quota", v)?);
            }
            if let Some(v) = item.get("health-check-type") {
                web.health_check = Some(self.health_check(v)?);
            }
            if let Some(v) = item.get("health-check-http-endpoint") {
                web.health_check_endpoint = Some(self.string("health-check-http-endpoint", v)?);
            }
            if let Some(v) = item.get("command") {
                web.command = Some(self.string("command", v)?);
            }
        }
        Ok(())
    }

    /// The app's `services`, each marked inherited when only the top level lists it.
    fn app_services(
        &self,
        own: &[(Key, Located)],
        globals: &[(Key, Located)],
        merged: Option<&Located>,
    ) -> Result<Vec<ServiceRef>, ManifestError> {
        let mut services = self.services(merged)?;
        if globals.iter().any(|(k, _)| k.text == "services") {
            let own_services = own.iter().find(|(k, _)| k.text == "services");
            let own_services = self.services(own_services.map(|(_, v)| v))?;
            for s in &mut services {
                s.inherited = !own_services.iter().any(|o| o.name == s.name);
            }
        }
        Ok(services)
    }

    fn string(&self, key: &str, v: &Located) -> Result<String, ManifestError> {
        match &v.node {
            Node::Scalar { text, .. } => Ok(text.clone()),
            _ => Err(self.wrong(key, v, "a string")),
        }
    }

    fn strings(&self, key: &str, v: &Located) -> Result<Vec<String>, ManifestError> {
        match &v.node {
            Node::Seq(items) => items.iter().map(|i| self.string(key, i)).collect(),
            _ => Err(self.wrong(key, v, "a list of strings")),
        }
    }

    fn buildpack(&self, v: &Located) -> Result<Option<Vec<String>>, ManifestError> {
        match &v.node {
            Node::Null => Ok(None),
            _ => Ok(Some(vec![self.string("buildpack", v)?])),
        }
    }

    fn boolean(&self, key: &str, v: &Located) -> Result<bool, ManifestError> {
        match &v.node {
            Node::Scalar {
                kind: ScalarKind::Bool,
                text,
            } => Ok(text == "true"),
            // YAML 1.1 spellings, as the cf CLI's YAML reader takes them.
            Node::Scalar {
                kind: ScalarKind::Str,
                text,
            } => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Ok(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Ok(false),
                _ => Err(self.wrong(key, v, "true or false")),
            },
            _ => Err(self.wrong(key, v, "true or false")),
        }
    }

    fn count(&self, key: &str, v: &Located) -> Result<u32, ManifestError> {
        match &v.node {
            Node::Scalar {
                kind: ScalarKind::Int | ScalarKind::Str,
                text,
            } => text
                .trim()
                .parse::<u32>()
                .map_err(|_| self.wrong(key, v, "a whole number, e.g. `instances: 2`")),
            _ => Err(self.wrong(key, v, "a whole number, e.g. `instances: 2`")),
        }
    }

    fn size(&self, key: &str, v: &Located) -> Result<Size, ManifestError> {
        let expected = units::SIZE_HELP;
        match &v.node {
            Node::Scalar { text, .. } => match units::parse_megabytes(text) {
                Some(mb) => Ok(Size {
                    text: text.clone(),
                    mb,
                }),
                None => Err(self.wrong(key, v, expected)),
            },
            _ => Err(self.wrong(key, v, expected)),
        }
    }

    fn health_check(&self, v: &Located) -> Result<HealthCheck, ManifestError> {
        let expected = "one of `port`, `process`, `http` (or `none`, the old name of `process`)";
        match &v.node {
            Node::Scalar { text, .. } => match text.as_str() {
                "port" => Ok(HealthCheck::Port),
                "process" | "none" => Ok(HealthCheck::Process),
                "http" => Ok(HealthCheck::Http),
                _ => Err(self.wrong("health-check-type", v, expected)),
            },
            _ => Err(self.wrong("health-check-type", v, expected)),
        }
    }

    fn services(&self, v: Option<&Located>) -> Result<Vec<ServiceRef>, ManifestError> {
        let Some(v) = v else {
            return Ok(Vec::new());
        };
        let items = match &v.node {
            Node::Seq(items) => items,
            Node::Null => return Ok(Vec::new()),
            _ => return Err(self.wrong("services", v, "a list of service instance names")),
        };
        let mut out: Vec<ServiceRef> = Vec::new();
        for item in items {
            let s = match &item.node {
                Node::Scalar {
                    kind: ScalarKind::Str,
                    text,
                } => ServiceRef {
                    name: text.clone(),
                    binding_name: None,
                    has_parameters: false,
                    inherited: false,
                },
                Node::Map(_) => {
                    let name = match item.get("name") {
                        Some(n) => self.string("services[].name", n)?,
                        None => {
                            return Err(self
                                .err(item.pos, "has a service entry without `name`")
                                .help("write `- name: my-service` (with `parameters:` or `binding_name:` if needed), or just `- my-service`"));
                        }
                    };
                    ServiceRef {
                        name,
                        binding_name: item
                            .get("binding_name")
                            .map(|b| self.string("binding_name", b))
                            .transpose()?,
                        has_parameters: item.get("parameters").is_some(),
                        inherited: false,
                    }
                }
                _ => {
                    return Err(self.wrong(
                        "services",
                        item,
                        "a service instance name or a mapping with `name`",
                    ));
                }
            };
            if !out.iter().any(|o| o.name == s.name) {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// The app's routes: its `routes:`, else what its older route attributes make, else the
    /// default route; none with `no-route`. Every attribute given is read even so, so a type
    /// error surfaces.
    fn routes<'g>(
        &self,
        get: &dyn Fn(&str) -> Option<&'g Located>,
        own_has: &dyn Fn(&str) -> bool,
        no_route: bool,
    ) -> Result<Vec<Route>, ManifestError> {
        let routes_v = get("routes");
        self.refuse_route_mixes(get, own_has, routes_v)?;
        let explicit = routes_v.map(|rv| self.explicit_routes(rv)).transpose()?;
        let legacy = self.legacy_routes(get)?;
        if no_route {
            return Ok(Vec::new());
        }
        Ok(match explicit {
            Some(routes) => dedup(routes),
            None => legacy.routes(self.name),
        })
    }

    /// `route:` (a typo of `routes:`), and `routes:` beside the older route attributes, which
    /// cf push refuses.
    fn refuse_route_mixes<'g>(
        &self,
        get: &dyn Fn(&str) -> Option<&'g Located>,
        own_has: &dyn Fn(&str) -> bool,
        routes_v: Option<&Located>,
    ) -> Result<(), ManifestError> {
        if let Some(v) = get("route") {
            return Err(self
                .err(v.pos, "has `route:`, which cf push does not know")
                .help("write `routes:` with entries `- route: host.domain`"));
        }
        if let Some(rv) = routes_v
            && own_has("routes")
            && let Some(k) = LEGACY_ROUTE_KEYS.iter().find(|k| own_has(k))
        {
            return Err(self
                .err(rv.pos, format!("sets both `routes` and `{k}`"))
                .help("cf push refuses this mix; list every route under `routes:` and drop `host`, `hosts`, `domain`, `domains`, `no-hostname` and `random-route`"));
        }
        Ok(())
    }

    /// The entries of `routes:` (`- route: host.domain[/path]`); none when it is null.
    fn explicit_routes(&self, rv: &Located) -> Result<Vec<Route>, ManifestError> {
        let mut explicit = Vec::new();
        match &rv.node {
            Node::Seq(items) => {
                for item in items {
                    let route = match (&item.node, item.get("route")) {
                        (Node::Map(_), Some(r)) => self.string("routes[].route", r)?,
                        _ => {
                            return Err(self
                                .wrong("routes", item, "a mapping with `route:`")
                                .help("write `- route: host.domain[/path]`"));
                        }
                    };
                    explicit.push(Route::Exact(route.trim().to_ascii_lowercase()));
                }
            }
            Node::Null => {}
            _ => return Err(self.wrong("routes", rv, "a list of `- route: ...`")),
        }
        Ok(explicit)
    }

    /// The older route attributes (`host`, `hosts`, `domain`, `domains`, `no-hostname`,
    /// `random-route`), and `default-route`, which only has to be a boolean.
    fn legacy_routes<'g>(
        &self,
        get: &dyn Fn(&str) -> Option<&'g Located>,
    ) -> Result<LegacyRoutes, ManifestError> {
        let mut hosts = Vec::new();
        if let Some(h) = get("host") {
            hosts.push(self.string("host", h)?);
        }
        if let Some(h) = get("hosts") {
            hosts.extend(self.strings("hosts", h)?);
        }
        let mut domains = Vec::new();
        if let Some(d) = get("domain") {
            domains.push(self.string("domain", d)?);
        }
        if let Some(d) = get("domains") {
            domains.extend(self.strings("domains", d)?);
        }
        let flag = |key: &str| {
            get(key)
                .map(|v| self.boolean(key, v))
                .transpose()
                .map(|b| b.unwrap_or(false))
        };
        let no_hostname = flag("no-hostname")?;
        let random = flag("random-route")?;
        if let Some(v) = get("default-route") {
            self.boolean("default-route", v)?;
        }
        Ok(LegacyRoutes {
            hosts,
            domains,
            no_hostname,
            random,
        })
    }
}

/// The route attributes older than `routes:`, as an app (or the top level) gives them.
struct LegacyRoutes {
    hosts: Vec<String>,
    domains: Vec<String>,
    no_hostname: bool,
    random: bool,
}

impl LegacyRoutes {
    /// The routes they make, as cf CLI v6 combined them; without any, the default route: the
    /// app's name `app` on the default domain.
    fn routes(self, app: &str) -> Vec<Route> {
        let LegacyRoutes {
            hosts,
            domains,
            no_hostname,
            random,
        } = self;
        let hosts: Vec<Option<String>> = if no_hostname {
            vec![None]
        } else if !hosts.is_empty() {
            let mut seen = Vec::new();
            for h in hosts {
                let h = h.trim().to_ascii_lowercase();
                if !seen.contains(&Some(h.clone())) {
                    seen.push(Some(h));
                }
            }
            seen
        } else if random {
            return if domains.is_empty() {
                vec![Route::Random { domain: None }]
            } else {
                dedup(
                    domains
                        .iter()
                        .map(|d| Route::Random {
                            domain: Some(d.trim().to_ascii_lowercase()),
                        })
                        .collect(),
                )
            };
        } else {
            vec![Some(app.to_ascii_lowercase())]
        };
        let mut out = Vec::new();
        for h in &hosts {
            if domains.is_empty() {
                out.push(Route::DefaultDomain { host: h.clone() });
            }
            for d in &domains {
                let d = d.trim().to_ascii_lowercase();
                out.push(Route::Exact(match h {
                    Some(h) => format!("{h}.{d}"),
                    None => d,
                }));
            }
        }
        dedup(out)
    }
}

fn dedup(routes: Vec<Route>) -> Vec<Route> {
    let mut out: Vec<Route> = Vec::new();
    for r in routes {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ok(text: &str) -> Manifest {
        read("m.yml", text, &Vars::new()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn read_err(text: &str) -> ManifestError {
        read("m.yml", text, &Vars::new()).unwrap_err()
    }

    /// Asserts that `text` is refused with a message that says `says`.
    fn refused(text: &str, says: &str) {
        let e = read_err(text);
        assert!(e.message.contains(says), "{e}");
    }

    #[test]
    fn top_level_attributes_are_inherited() {
        let m = read_ok(
            "domain: 18f.gov\ninstances: 2\nbuildpack: ruby_buildpack\nmemory: 1024MB\nservices: [shared]\n\
             applications:\n- name: web\n  host: c2\n  services: [db]\n- name: worker\n  instances: 1\n  no-route: true\n",
        );
        let web = m.app("web").unwrap();
        assert_eq!(web.instances, Some(2));
        assert_eq!(web.memory.as_ref().unwrap().mb, 1024);
        assert_eq!(web.buildpacks, Some(vec!["ruby_buildpack".to_owned()]));
        assert_eq!(web.routes, vec![Route::Exact("c2.18f.gov".into())]);
        let names: Vec<&str> = web.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["shared", "db"]);
        let inherited: Vec<bool> = web.services.iter().map(|s| s.inherited).collect();
        assert_eq!(inherited, [true, false], "only `shared` comes from the top");
        let worker = m.app("worker").unwrap();
        assert_eq!(worker.instances, Some(1));
        assert!(worker.no_route && worker.routes.is_empty());
    }

    #[test]
    fn hosts_times_domains() {
        let m = read_ok(
            "applications:\n- name: a\n  hosts: [x, y]\n  domains: [one.gov, two.gov]\n  host: w\n",
        );
        let r: Vec<String> = m.apps[0].routes.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            r,
            [
                "w.one.gov",
                "w.two.gov",
                "x.one.gov",
                "x.two.gov",
                "y.one.gov",
                "y.two.gov"
            ]
        );
        let m = read_ok("applications:\n- name: a\n  no-hostname: true\n  domain: apex.gov\n");
        assert_eq!(m.apps[0].routes, vec![Route::Exact("apex.gov".into())]);
        let m = read_ok("applications:\n- name: a\n  random-route: yes\n");
        assert_eq!(m.apps[0].routes, vec![Route::Random { domain: None }]);
    }

    #[test]
    fn no_route_attribute_means_the_default_route() {
        let m = read_ok("applications:\n- name: C2-Dev\n");
        let r = &m.apps[0].routes;
        assert_eq!(
            r,
            &vec![Route::DefaultDomain {
                host: Some("c2-dev".into())
            }]
        );
        assert_eq!(r[0].matches("c2-dev.app.cloud.gov"), RouteMatch::HostOnly);
        assert_eq!(r[0].matches("c2-dev2.app.cloud.gov"), RouteMatch::No);
        assert_eq!(
            Route::Exact("a.b.gov".into()).matches("A.b.gov"),
            RouteMatch::Yes
        );
    }

    #[test]
    fn routes_with_legacy_attributes_is_refused() {
        refused(
            "applications:\n- name: a\n  host: x\n  routes:\n  - route: a.b.gov\n",
            "both `routes` and `host`",
        );
    }

    #[test]
    fn services_as_strings_or_objects() {
        let m = read_ok(
            "applications:\n- name: a\n  services:\n  - db\n  - name: q\n    binding_name: queue\n    parameters: {x: 1}\n  - db\n",
        );
        let s = &m.apps[0].services;
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].binding_name.as_deref(), Some("queue"));
        assert!(s[1].has_parameters);
        refused(
            "applications:\n- name: a\n  services:\n  - binding_name: x\n",
            "without `name`",
        );
    }

    #[test]
    fn web_process_overrides_the_app() {
        let m = read_ok(
            "applications:\n- name: a\n  instances: 1\n  memory: 256M\n  processes:\n  - type: worker\n    instances: 9\n  - type: web\n    instances: 3\n    memory: 1G\n    health-check-type: http\n    health-check-http-endpoint: /health\n",
        );
        let a = &m.apps[0];
        assert_eq!(a.instances, Some(3));
        assert_eq!(a.memory.as_ref().unwrap().mb, 1024);
        assert_eq!(a.health_check, Some(HealthCheck::Http));
        assert_eq!(a.health_check_endpoint.as_deref(), Some("/health"));
    }

    #[test]
    fn health_check_none_is_process() {
        let m = read_ok("applications:\n- name: a\n  health-check-type: none\n");
        assert_eq!(m.apps[0].health_check, Some(HealthCheck::Process));
        refused(
            "applications:\n- name: a\n  health-check-type: tcp\n",
            "`port`, `process`, `http`",
        );
    }

    #[test]
    fn buildpack_and_buildpacks() {
        let m = read_ok("buildpack: ruby\napplications:\n- name: a\n  buildpacks: [go, binary]\n");
        assert_eq!(
            m.apps[0].buildpacks,
            Some(vec!["go".into(), "binary".into()])
        );
        refused(
            "applications:\n- name: a\n  buildpack: x\n  buildpacks: [y]\n",
            "both `buildpack` and `buildpacks`",
        );
    }

    #[test]
    fn bad_inputs_are_located_errors() {
        let cases: &[(&str, &str, (u64, u64))] = &[
            (
                "applications:\n- name: a\n  instances: two\n",
                "found the string `two`",
                (3, 14),
            ),
            (
                "applications:\n- instances: 2\n",
                "application #1 has no `name`",
                (2, 3),
            ),
            (
                "applications:\n- name: a\n  memory: 1024\n",
                "invalid `memory`",
                (3, 11),
            ),
            ("version: 1\n", "has no `applications`", (1, 1)),
            ("applications: []\n", "`applications` is empty", (1, 15)),
            ("- a\n- b\n", "a manifest is a mapping", (1, 1)),
            (
                "applications:\n- name: a\n  inherit: base.yml\n",
                "`inherit:` is not supported",
                (3, 3),
            ),
            (
                "inherit: base.yml\napplications:\n- name: a\n",
                "`inherit:` is not supported",
                (1, 1),
            ),
            (
                "version: 2\napplications:\n- name: a\n",
                "`version` 2 is not supported",
                (1, 10),
            ),
            (
                "applications:\n- name: a\n  routes:\n  - a.b.gov\n",
                "expected a mapping with `route:`",
                (4, 5),
            ),
            (
                "applications:\n- name: a\n- name: a\n",
                "listed twice",
                (3, 3),
            ),
            (
                "applications:\n- name: a\n  no-route: maybe\n",
                "expected true or false",
                (3, 13),
            ),
            (
                "applications:\n  - name: a\n   bad: [\n",
                "invalid YAML",
                (0, 0),
            ),
        ];
        for (text, want, (line, col)) in cases {
            let e = read_err(text);
            assert!(e.to_string().contains(want), "{text:?}: {e}");
            if *line > 0 {
                assert_eq!((e.line, e.column), (*line, *col), "{text:?}: {e}");
            } else {
                assert!(e.line > 0, "{text:?}: {e}");
            }
        }
    }

    #[test]
    fn an_alias_into_env_is_refused_as_such_not_as_invalid_yaml() {
        let e = read_err("env:\n  P: &p zebra-secret-4\napplications:\n- name: *p\n");
        assert_eq!((e.line, e.column), (4, 9), "{e}");
        assert!(
            e.message
                .starts_with("an alias refers to an anchor inside `env:`"),
            "{e}"
        );
        assert!(!format!("{e} {e:?}").contains("zebra"), "{e}");
    }

    #[test]
    fn unknown_attributes_are_kept_for_a_warning() {
        let m = read_ok("x-anchors: {}\napplications:\n- name: a\n  service: [db]\n  path: .\n");
        assert_eq!(m.apps[0].unknown_attributes, ["service"]);
    }

    #[test]
    fn secrets_in_env_are_never_read() {
        let text = "env:\n  TOP: zebra-secret-1\napplications:\n- name: a\n  env:\n    KEY: zebra-secret-2\n    OTHER: ((undefined_in_env))\n  instances: two\n";
        let e = read_err(text);
        assert!(!format!("{e} {e:?}").contains("zebra"), "{e}");
        let ok = read_ok(&text.replace("two", "2"));
        assert!(!format!("{ok:?}").contains("zebra"));
        // A syntax error inside env: says where, not what.
        let e = read_err("applications:\n- name: a\n  env:\n    KEY: \"zebra-secret-3\n");
        assert!(!format!("{e} {e:?}").contains("zebra"), "{e}");
    }
}
