//! From the file as written to one resolved [`Environment`] per environment: defaults,
//! `overrides`, `environments` limits, template expansion, and every semantic check.
//! All problems are collected, each with its JSON path, so one run shows them all.

use super::error::ModelWarnings;
use super::error::Problem;
use super::json_path::JsonPath;
use super::spec::{
    AppOverride, AppSpec, BindingSpec, EnvironmentSpec, ExternalSpec, HealthCheck, ModelSpec,
    ServiceField, ServiceOverride, ServiceSpec,
};
use super::{App, ArchGraph, Binding, Environment, External, Model, Service, template, units};
use std::collections::BTreeSet;

/// Longest CF name the Cloud Controller stores.
pub(crate) const MAX_NAME_LEN: usize = 255;

/// Resolves and validates; returns every problem found.
pub(crate) fn resolve(file: &str, spec: ModelSpec) -> Result<Model, Vec<Problem>> {
    let mut problems = Vec::new();
    check_spec(&spec, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let paths = Paths::of(&spec);
    let environments: Vec<Environment> = spec
        .environments
        .iter()
        .map(|(name, env_spec)| resolve_environment(&spec, &paths, name, env_spec, &mut problems))
        .collect();
    check_shared_spaces(&environments, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Model {
        file: file.to_owned(),
        system: spec.system.clone(),
        description: spec.description.clone(),
        environments,
        warnings: ModelWarnings::new(file, None, review_marks(&spec)),
        spec,
    })
}

/// Each app's and service's path, built once for all environments.
struct Paths {
    apps: Vec<JsonPath>,
    services: Vec<JsonPath>,
}

impl Paths {
    fn of(spec: &ModelSpec) -> Paths {
        let root = JsonPath::root();
        Paths {
            apps: (spec.apps.keys())
                .map(|id| root.key("apps").key(id))
                .collect(),
            services: (spec.services.keys())
                .map(|id| root.key("services").key(id))
                .collect(),
        }
    }
}

/// One environment: its apps, services and externals resolved, its names checked.
fn resolve_environment(
    spec: &ModelSpec,
    paths: &Paths,
    env_name: &str,
    env_spec: &EnvironmentSpec,
    problems: &mut Vec<Problem>,
) -> Environment {
    let present = |limit: &Option<Vec<String>>| present_in(limit.as_deref(), env_name);
    let mut apps = Vec::with_capacity(
        spec.apps
            .values()
            .filter(|a| present(&a.environments))
            .count(),
    );
    for ((id, app), path) in spec.apps.iter().zip(&paths.apps) {
        if !present_in(app.environments.as_deref(), env_name) {
            continue;
        }
        if let Some(a) = resolve_app(spec, env_name, id, app, path, problems) {
            apps.push(a);
        }
    }
    let mut services = Vec::with_capacity(
        spec.services
            .values()
            .filter(|s| present(&s.environments))
            .count(),
    );
    for ((id, svc), path) in spec.services.iter().zip(&paths.services) {
        if !present_in(svc.environments.as_deref(), env_name) {
            continue;
        }
        if let Some(s) = resolve_service(spec, env_name, id, svc, path, problems) {
            services.push(s);
        }
    }
    check_bound_services_exist(spec, env_name, &apps, &services, problems);
    let externals = externals_in(spec, env_name, &apps);
    check_unique_names(
        env_name,
        "apps",
        apps.iter().map(|a| (&a.id, &a.name)),
        problems,
    );
    check_unique_names(
        env_name,
        "services",
        services.iter().map(|s| (&s.id, &s.name)),
        problems,
    );
    let graph = ArchGraph::build(&apps, &services, &externals);
    Environment {
        name: env_name.to_owned(),
        org: env_spec.org.clone(),
        space: env_spec.space.clone(),
        api: env_spec.api.clone(),
        description: env_spec.description.clone(),
        apps,
        services,
        externals,
        graph,
    }
}

/// Bindings to services of the model that do not exist in this environment.
fn check_bound_services_exist(
    spec: &ModelSpec,
    env_name: &str,
    apps: &[App],
    services: &[Service],
    problems: &mut Vec<Problem>,
) {
    // Membership only: a fast hasher over the model's own ids.
    let service_ids: foldhash::HashSet<&str> = services.iter().map(|s| s.id.as_str()).collect();
    for app in apps {
        for (i, b) in app.bindings.iter().enumerate() {
            if !service_ids.contains(b.service.as_str()) && spec.services.contains_key(&b.service) {
                let path = binding_path(spec, env_name, &app.id, i);
                problems.push(
                    Problem::at(
                        path,
                        format!(
                            "app `{}` is bound to service `{}`, which does not exist in environment `{env_name}`",
                            app.id, b.service
                        ),
                    )
                    .help(format!(
                        "add `{env_name}` to services.{}.environments, or limit the app or this binding to the environments that have the service",
                        b.service
                    )),
                );
            }
        }
    }
}

/// The externals used in this environment, each used by the environment's apps only.
fn externals_in(spec: &ModelSpec, env_name: &str, apps: &[App]) -> Vec<External> {
    if spec.externals.is_empty() {
        return Vec::new();
    }
    let app_ids: foldhash::HashSet<&str> = apps.iter().map(|a| a.id.as_str()).collect();
    spec.externals
        .iter()
        .filter(|(_, x)| present_in(x.environments.as_deref(), env_name))
        .map(|(id, x)| External {
            id: id.clone(),
            label: x.label.clone(),
            description: x.description.clone(),
            used_by: x
                .used_by
                .iter()
                .filter(|a| app_ids.contains(a.as_str()))
                .cloned()
                .collect(),
        })
        .collect()
}

fn present_in(limit: Option<&[String]>, env: &str) -> bool {
    limit.is_none_or(|envs| envs.iter().any(|e| e == env))
}

/// Path of binding `i` of an app in `env`: in the override when the override replaces them.
fn binding_path(spec: &ModelSpec, env: &str, app_id: &str, i: usize) -> JsonPath {
    let app = JsonPath::root().key("apps").key(app_id);
    let overridden = spec.apps[app_id]
        .overrides
        .get(env)
        .is_some_and(|o| o.services.is_some());
    if overridden {
        app.key("overrides").key(env).key("services").index(i)
    } else {
        app.key("services").index(i)
    }
}

fn env_list_help(spec: &ModelSpec) -> String {
    let names: Vec<String> = spec.environments.keys().map(|k| format!("`{k}`")).collect();
    format!("the environments are {}", names.join(", "))
}

/// Checks that do not depend on an environment.
fn check_spec(spec: &ModelSpec, problems: &mut Vec<Problem>) {
    let mut checker = SpecChecker { spec, problems };
    checker.system();
    checker.environments();
    for (id, app) in &spec.apps {
        checker.app(id, app);
    }
    for (id, svc) in &spec.services {
        checker.service(id, svc);
    }
    for (id, x) in &spec.externals {
        checker.external(id, x);
    }
}

/// The environment-independent checks of a model, a method per section.
struct SpecChecker<'a> {
    spec: &'a ModelSpec,
    problems: &'a mut Vec<Problem>,
}

impl SpecChecker<'_> {
    fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// An id (of an app, a service, an external) that is no valid id.
    fn id(&mut self, path: &JsonPath, what: &str, id: &str) {
        if let Some(why) = invalid_id(id) {
            self.push(Problem::at(
                path.clone(),
                format!("invalid {what} id `{id}`: {why}"),
            ));
        }
    }

    fn system(&mut self) {
        let path = JsonPath::root().key("system");
        let system = &self.spec.system;
        if system.trim().is_empty() {
            self.push(Problem::at(path, "the system name is empty").help("e.g. \"c2\""));
        } else if let Some(why) = invalid_id(system) {
            self.push(Problem::at(path, format!("invalid system name: {why}")));
        }
    }

    fn environments(&mut self) {
        let spec = self.spec;
        if spec.environments.is_empty() {
            self.push(
                Problem::at(
                    JsonPath::root().key("environments"),
                    "no environments: a model needs at least one",
                )
                .help(
                    "e.g. \"environments\": { \"dev\": { \"org\": \"my-org\", \"space\": \"dev\" } }",
                ),
            );
        }
        for (i, (name, env)) in spec.environments.iter().enumerate() {
            self.environment(i, name, env);
        }
    }

    /// The `i`th environment: its name (also against earlier names), org, space and API.
    fn environment(&mut self, i: usize, name: &str, env: &EnvironmentSpec) {
        let spec = self.spec;
        let path = JsonPath::root().key("environments").key(name);
        if let Some(why) = invalid_id(name) {
            self.push(Problem::at(
                path.clone(),
                format!("invalid environment name `{name}`: {why}"),
            ));
        }
        if let Some(first) = spec
            .environments
            .keys()
            .take(i)
            .find(|f| f.eq_ignore_ascii_case(name))
        {
            self.push(
                Problem::at(
                    path.clone(),
                    format!("environments `{first}` and `{name}` differ only in case"),
                )
                .help("their generated files (`SYSTEM-ENV.dot`, `.svg`) overwrite each other on case-insensitive file systems, and their doc sections share one link; rename one"),
            );
        }
        for (field, value) in [("org", &env.org), ("space", &env.space)] {
            if value.trim().is_empty() {
                self.push(Problem::at(
                    path.key(field),
                    format!("the {field} name is empty"),
                ));
            }
        }
        if let Some(api) = &env.api
            && !(api.starts_with("https://") || api.starts_with("http://"))
        {
            self.push(
                Problem::at(path.key("api"), format!("`{api}` is not an API URL"))
                    .help("e.g. \"https://api.fr.cloud.gov\""),
            );
        }
    }

    /// An `environments` limit: not empty, and naming known environments.
    fn env_refs(&mut self, path: &JsonPath, limit: &Option<Vec<String>>) {
        let spec = self.spec;
        let Some(envs) = limit else { return };
        if envs.is_empty() {
            self.push(
                Problem::at(
                    path.key("environments"),
                    "an empty `environments` list puts this nowhere",
                )
                .help("list at least one environment, or remove the key to mean all"),
            );
        }
        for (i, e) in envs.iter().enumerate() {
            if !spec.environments.contains_key(e) {
                self.push(
                    Problem::at(
                        path.key("environments").index(i),
                        format!("unknown environment `{e}`"),
                    )
                    .help(
                        suggest(e, spec.environments.keys()).unwrap_or_else(|| env_list_help(spec)),
                    ),
                );
            }
        }
    }

    /// The environments `overrides` names: known, and within the `environments` limit.
    fn override_envs<'k>(
        &mut self,
        path: &JsonPath,
        keys: impl Iterator<Item = &'k String>,
        limit: &Option<Vec<String>>,
    ) {
        let spec = self.spec;
        for e in keys {
            let p = path.key("overrides").key(e);
            if !spec.environments.contains_key(e) {
                self.push(
                    Problem::at(p, format!("`overrides` names unknown environment `{e}`")).help(
                        suggest(e, spec.environments.keys()).unwrap_or_else(|| env_list_help(spec)),
                    ),
                );
            } else if !present_in(limit.as_deref(), e) {
                self.push(
                    Problem::at(
                        p,
                        format!("`overrides` names environment `{e}`, where this does not exist"),
                    )
                    .help("add the environment to `environments`, or remove the override"),
                );
            }
        }
    }

    fn app(&mut self, id: &str, app: &AppSpec) {
        let path = JsonPath::root().key("apps").key(id);
        self.id(&path, "app", id);
        self.env_refs(&path, &app.environments);
        self.override_envs(&path, app.overrides.keys(), &app.environments);
        check_app_fields(self.spec, &path, &AppView::from_app(app), self.problems);
        for (env, o) in &app.overrides {
            check_app_fields(
                self.spec,
                &path.key("overrides").key(env),
                &AppView::from_override(o),
                self.problems,
            );
        }
    }

    fn service(&mut self, id: &str, svc: &ServiceSpec) {
        let path = JsonPath::root().key("services").key(id);
        self.id(&path, "service", id);
        self.env_refs(&path, &svc.environments);
        self.override_envs(&path, svc.overrides.keys(), &svc.environments);
        check_template(|| path.key("name"), &svc.name, self.problems);
        for (env, o) in &svc.overrides {
            if let Some(name) = &o.name {
                check_template(
                    || path.key("overrides").key(env).key("name"),
                    name,
                    self.problems,
                );
            }
        }
        if svc.user_provided.unwrap_or(false) {
            self.user_provided_fields(&path, svc);
        } else {
            self.managed_fields(&path, id, svc);
        }
    }

    /// A user-provided service has no offering, plan or broker, nor overrides of them.
    fn user_provided_fields(&mut self, path: &JsonPath, svc: &ServiceSpec) {
        for (field, present) in [
            ("offering", svc.offering.is_some()),
            ("plan", svc.plan.is_some()),
            ("broker", svc.broker.is_some()),
        ] {
            if present {
                self.push(
                    Problem::at(
                        path.key(field),
                        format!("a user-provided service has no {field}"),
                    )
                    .help(
                        "remove the key, or remove \"user_provided\": true for a managed service",
                    ),
                );
            }
        }
        for (env, o) in &svc.overrides {
            if o.offering.is_some() || o.plan.is_some() || o.broker.is_some() {
                self.push(Problem::at(
                    path.key("overrides").key(env),
                    "a user-provided service has no offering, plan or broker to override",
                ));
            }
        }
    }

    /// A managed service names its offering and plan, unless `guessed.offering` marks them
    /// as not known yet (what `archcheck init` writes; `check` warns until it is reviewed).
    fn managed_fields(&mut self, path: &JsonPath, id: &str, svc: &ServiceSpec) {
        if svc.guessed.contains_key(&ServiceField::Offering) {
            return;
        }
        for (field, present) in [
            ("offering", svc.offering.is_some()),
            ("plan", svc.plan.is_some()),
        ] {
            if !present {
                self.push(
                    Problem::at(
                        path.clone(),
                        format!("managed service `{id}` has no `{field}`"),
                    )
                    .help(format!(
                        "add \"{field}\" (as `cf services` or `cf marketplace` shows it), or \"user_provided\": true"
                    )),
                );
            }
        }
    }

    fn external(&mut self, id: &str, x: &ExternalSpec) {
        let spec = self.spec;
        let path = JsonPath::root().key("externals").key(id);
        self.id(&path, "external", id);
        if x.label.trim().is_empty() {
            self.push(Problem::at(path.key("label"), "the label is empty"));
        }
        self.env_refs(&path, &x.environments);
        for (i, app) in x.used_by.iter().enumerate() {
            if !spec.apps.contains_key(app) {
                self.push(
                    Problem::at(
                        path.key("used_by").index(i),
                        format!("unknown app id `{app}`"),
                    )
                    .help(
                        suggest(app, spec.apps.keys()).unwrap_or_else(|| {
                            "`used_by` lists app ids (keys of `apps`)".to_owned()
                        }),
                    ),
                );
            }
        }
    }
}

/// The fields an app and an app override share, for one set of checks.
struct AppView<'a> {
    name: Option<&'a String>,
    memory: Option<&'a String>,
    disk_quota: Option<&'a String>,
    routes: Option<&'a Vec<String>>,
    no_route: Option<bool>,
    health_check: Option<HealthCheck>,
    health_check_endpoint: Option<&'a String>,
    services: Option<&'a Vec<BindingSpec>>,
}

impl<'a> AppView<'a> {
    fn from_app(a: &'a AppSpec) -> Self {
        AppView {
            name: Some(&a.name),
            memory: a.memory.as_ref(),
            disk_quota: a.disk_quota.as_ref(),
            routes: a.routes.as_ref(),
            no_route: a.no_route,
            health_check: a.health_check,
            health_check_endpoint: a.health_check_endpoint.as_ref(),
            services: a.services.as_ref(),
        }
    }
    fn from_override(o: &'a AppOverride) -> Self {
        AppView {
            name: o.name.as_ref(),
            memory: o.memory.as_ref(),
            disk_quota: o.disk_quota.as_ref(),
            routes: o.routes.as_ref(),
            no_route: o.no_route,
            health_check: o.health_check,
            health_check_endpoint: o.health_check_endpoint.as_ref(),
            services: o.services.as_ref(),
        }
    }
}

fn check_app_fields(spec: &ModelSpec, path: &JsonPath, a: &AppView, problems: &mut Vec<Problem>) {
    if let Some(name) = a.name {
        check_template(|| path.key("name"), name, problems);
    }
    for (field, value) in [("memory", a.memory), ("disk_quota", a.disk_quota)] {
        if let Some(v) = value
            && units::parse_megabytes(v).is_none()
        {
            problems.push(
                Problem::at(path.key(field), format!("`{v}` is not a size"))
                    .help(format!("expected {}", units::SIZE_HELP)),
            );
        }
    }
    if let Some(routes) = a.routes {
        for (i, r) in routes.iter().enumerate() {
            check_template(|| path.key("routes").index(i), r, problems);
        }
        if a.no_route == Some(true) && !routes.is_empty() {
            problems.push(
                Problem::at(
                    path.key("no_route"),
                    "`no_route` is true but `routes` are given",
                )
                .help("remove one of them"),
            );
        }
    }
    if a.health_check_endpoint.is_some() && a.health_check.is_some_and(|h| h != HealthCheck::Http) {
        problems.push(Problem::at(
            path.key("health_check_endpoint"),
            "`health_check_endpoint` needs \"health_check\": \"http\"",
        ));
    }
    if let Some(bindings) = a.services {
        let mut seen = BTreeSet::new();
        for (i, b) in bindings.iter().enumerate() {
            let p = || path.key("services").index(i);
            let id = b.service();
            if !spec.services.contains_key(id) {
                problems.push(Problem::at(p(), format!("unknown service id `{id}`")).help(
                    suggest(id, spec.services.keys()).unwrap_or_else(|| {
                        let ids: Vec<String> =
                            spec.services.keys().map(|k| format!("`{k}`")).collect();
                        if ids.is_empty() {
                            "no services are defined: add it under \"services\"".to_owned()
                        } else {
                            format!("the service ids are {}", ids.join(", "))
                        }
                    }),
                ));
            }
            if !seen.insert(id) {
                problems.push(
                    Problem::at(p(), format!("service `{id}` is bound twice"))
                        .help("list each service once"),
                );
            }
        }
    }
}

/// Checks a name or route template; `path` (built only on an error) locates it.
fn check_template(path: impl FnOnce() -> JsonPath, template: &str, problems: &mut Vec<Problem>) {
    if template.trim().is_empty() {
        problems.push(Problem::at(path(), "the name is empty"));
    } else if let Err(e) = template::check(template) {
        problems.push(
            Problem::at(path(), e.message)
                .help("use {env} for the environment's name and {system} for the system's"),
        );
    }
}

/// Ids and environment names appear in templates, paths and file names: keep them plain.
fn invalid_id(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("it is empty".to_owned());
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Some("use letters, digits, `-` and `_` only".to_owned());
    }
    None
}

/// Why an expanded CF name is invalid.
pub(crate) fn invalid_cf_name(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".to_owned());
    }
    if name.trim() != name {
        return Some("it starts or ends with white space".to_owned());
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Some(format!("it is longer than {MAX_NAME_LEN} characters"));
    }
    if name.chars().any(char::is_control) {
        return Some("it contains a control character".to_owned());
    }
    if name.contains(',') {
        return Some(
            "it contains a comma, which `cf services` uses to separate bound apps".to_owned(),
        );
    }
    if name.contains("  ") {
        return Some(
            "it contains two spaces in a row, which `cf` tables use to separate columns".to_owned(),
        );
    }
    None
}

/// Why an expanded route is invalid: `host.domain[:port][/path]`.
pub(crate) fn invalid_route(route: &str) -> Option<String> {
    let (host_port, path) = match route.find('/') {
        Some(i) => (&route[..i], &route[i..]),
        None => (route, ""),
    };
    if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("the path contains white space".to_owned());
    }
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) => {
            if port.parse::<u16>().is_err() {
                return Some(format!("`{port}` is not a port"));
            }
            h
        }
        None => host_port,
    };
    if host.len() > 253 {
        return Some("the host name is longer than 253 characters".to_owned());
    }
    if !host.contains('.') {
        return Some("a route is host.domain, e.g. `c2-dev.app.cloud.gov`".to_owned());
    }
    for (i, l) in host.split('.').enumerate() {
        if i == 0 && l == "*" {
            continue;
        }
        if l.is_empty() || l.len() > 63 {
            return Some(format!("`{l}` is not a DNS label (1 to 63 characters)"));
        }
        if !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            || l.starts_with('-')
            || l.ends_with('-')
        {
            return Some(format!(
                "`{l}` is not a DNS label (letters, digits and inner `-` only)"
            ));
        }
    }
    None
}

fn suggest<'a>(given: &str, candidates: impl Iterator<Item = &'a String>) -> Option<String> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(given, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// Expands a name template; `path` (built only on an error) locates it.
fn expand_at(
    path: impl FnOnce() -> JsonPath,
    template: &str,
    env: &str,
    system: &str,
    problems: &mut Vec<Problem>,
) -> String {
    match template::expand(template, env, system) {
        Ok(s) => s,
        Err(e) => {
            problems.push(Problem::at(path(), e.message));
            String::new()
        }
    }
}

/// An app's or service's (`what`) CF name in `env`: its template expanded, and checked to be
/// a valid CF name. Problems are at `path`.
fn cf_name_at(
    path: impl Fn() -> JsonPath,
    template: &str,
    env: &str,
    system: &str,
    what: &str,
    problems: &mut Vec<Problem>,
) -> String {
    let name = expand_at(&path, template, env, system, problems);
    if let Some(why) = invalid_cf_name(&name) {
        problems.push(Problem::at(
            path(),
            format!(
                "in environment `{env}` the {what} name `{name}` is not a valid CF name: {why}"
            ),
        ));
    }
    name
}

/// An app's routes in `env`: each template expanded and checked to be a route. Problems are
/// at `path(i)`.
fn routes_at(
    path: impl Fn(usize) -> JsonPath,
    templates: Option<&Vec<String>>,
    env: &str,
    system: &str,
    problems: &mut Vec<Problem>,
) -> Vec<String> {
    let mut routes = Vec::new();
    for (i, r) in templates.into_iter().flatten().enumerate() {
        let p = || path(i);
        let route = expand_at(p, r, env, system, problems);
        if let Some(why) = invalid_route(&route) {
            problems.push(Problem::at(
                p(),
                format!("in environment `{env}` the route `{route}` is invalid: {why}"),
            ));
        }
        routes.push(route);
    }
    routes
}

/// A binding as the model file writes it, with its defaults (critical, no purpose).
fn binding(b: &BindingSpec) -> Binding {
    match b {
        BindingSpec::Id(s) => Binding {
            service: s.clone(),
            critical: true,
            purpose: None,
        },
        BindingSpec::Detailed(d) => Binding {
            service: d.service.clone(),
            critical: d.critical.unwrap_or(true),
            purpose: d.purpose.clone(),
        },
    }
}

fn resolve_app(
    spec: &ModelSpec,
    env: &str,
    id: &str,
    app: &AppSpec,
    path: &JsonPath,
    problems: &mut Vec<Problem>,
) -> Option<App> {
    let no_override = AppOverride::default();
    let o = app.overrides.get(env).unwrap_or(&no_override);
    let opath = |field: &str, overridden: bool| {
        if overridden {
            path.key("overrides").key(env).key(field)
        } else {
            path.key(field)
        }
    };
    let name = cf_name_at(
        || opath("name", o.name.is_some()),
        o.name.as_ref().unwrap_or(&app.name),
        env,
        &spec.system,
        "app",
        problems,
    );
    let routes = routes_at(
        |i| opath("routes", o.routes.is_some()).index(i),
        o.routes.as_ref().or(app.routes.as_ref()),
        env,
        &spec.system,
        problems,
    );
    let memory = o.memory.clone().or_else(|| app.memory.clone());
    let disk_quota = o.disk_quota.clone().or_else(|| app.disk_quota.clone());
    let health_check = o
        .health_check
        .or(app.health_check)
        .unwrap_or(HealthCheck::Port);
    let no_route = o.no_route.or(app.no_route).unwrap_or(false);
    if no_route && !routes.is_empty() {
        problems.push(Problem::at(
            path.clone(),
            format!("in environment `{env}` the app has routes and `no_route`"),
        ));
    }
    let bindings = o
        .services
        .as_ref()
        .or(app.services.as_ref())
        .map(|list| list.iter().map(binding).collect())
        .unwrap_or_default();
    Some(App {
        id: id.to_owned(),
        name,
        description: o.description.clone().or_else(|| app.description.clone()),
        instances: o.instances.or(app.instances).unwrap_or(1),
        memory_mb: memory.as_deref().and_then(units::parse_megabytes),
        memory,
        disk_quota_mb: disk_quota.as_deref().and_then(units::parse_megabytes),
        disk_quota,
        routes,
        no_route,
        health_check,
        health_check_endpoint: o
            .health_check_endpoint
            .clone()
            .or_else(|| app.health_check_endpoint.clone()),
        command: o.command.clone().or_else(|| app.command.clone()),
        buildpacks: o
            .buildpacks
            .clone()
            .or_else(|| app.buildpacks.clone())
            .unwrap_or_default(),
        stack: o.stack.clone().or_else(|| app.stack.clone()),
        bindings,
    })
}

fn resolve_service(
    spec: &ModelSpec,
    env: &str,
    id: &str,
    svc: &ServiceSpec,
    path: &JsonPath,
    problems: &mut Vec<Problem>,
) -> Option<Service> {
    let no_override = ServiceOverride::default();
    let o = svc.overrides.get(env).unwrap_or(&no_override);
    let name_path = || {
        if o.name.is_some() {
            path.key("overrides").key(env).key("name")
        } else {
            path.key("name")
        }
    };
    let name = cf_name_at(
        name_path,
        o.name.as_ref().unwrap_or(&svc.name),
        env,
        &spec.system,
        "service",
        problems,
    );
    Some(Service {
        id: id.to_owned(),
        name,
        description: o.description.as_ref().or(svc.description.as_ref()).cloned(),
        offering: o.offering.as_ref().or(svc.offering.as_ref()).cloned(),
        plan: o.plan.as_ref().or(svc.plan.as_ref()).cloned(),
        broker: o.broker.as_ref().or(svc.broker.as_ref()).cloned(),
        user_provided: svc.user_provided.unwrap_or(false),
        kind: svc.kind.unwrap_or_default(),
    })
}

/// Environments that name the same org and space (on the same API) share one space: its
/// CF names must be unique across all of them, or two environments claim the same app.
fn check_shared_spaces(environments: &[Environment], problems: &mut Vec<Problem>) {
    let space_of = |e: &Environment| {
        (
            e.api
                .as_deref()
                .map(|a| a.trim().trim_end_matches('/').to_ascii_lowercase()),
            e.org.clone(),
            e.space.clone(),
        )
    };
    for (i, later) in environments.iter().enumerate() {
        let Some(first) = environments[..i]
            .iter()
            .find(|e| space_of(e) == space_of(later))
        else {
            continue;
        };
        let names = |e: &'_ Environment| {
            let apps = e
                .apps
                .iter()
                .map(|a| ("apps", a.id.clone(), a.name.clone()));
            let services = e
                .services
                .iter()
                .map(|s| ("services", s.id.clone(), s.name.clone()));
            apps.chain(services).collect::<Vec<_>>()
        };
        let earlier = names(first);
        for (section, id, name) in names(later) {
            let Some((_, first_id, _)) = earlier
                .iter()
                .find(|(sec, _, n)| *sec == section && crate::cf_name::same(n, &name))
            else {
                continue;
            };
            problems.push(
                Problem::at(
                    JsonPath::root().key(section).key(&id).key("name"),
                    format!(
                        "environments `{}` and `{}` are both org `{}` space `{}`, where {section} `{first_id}` (in `{}`) and `{id}` (in `{}`) both have the CF name `{name}`",
                        first.name, later.name, later.org, later.space, first.name, later.name
                    ),
                )
                .help("one space holds one app and one service instance of each name: give each environment its own space, or put {env} in the name"),
            );
        }
    }
}

fn check_unique_names<'a>(
    env: &str,
    section: &str,
    items: impl Iterator<Item = (&'a String, &'a String)>,
    problems: &mut Vec<Problem>,
) {
    // CF names are one name whatever their case (see `crate::cf_name`).
    let mut by_name: foldhash::HashMap<std::borrow::Cow<'a, str>, &str> = Default::default();
    for (id, name) in items {
        use std::collections::hash_map::Entry;
        match by_name.entry(crate::cf_name::key(name)) {
            Entry::Vacant(slot) => {
                slot.insert(id);
            }
            Entry::Occupied(first) => problems.push(
                Problem::at(
                    JsonPath::root().key(section).key(id).key("name"),
                    format!("in environment `{env}`, {section} `{}` and `{id}` both have the CF name `{name}`", first.get()),
                )
                .help("CF names must be unique in a space; change one of the names (or its template)"),
            ),
        }
    }
}

/// A warning for each review mark (`guessed`, `observed`) of the model, at the mark, in file
/// order: a person has to look at the value and then remove the mark.
pub(crate) fn review_marks(spec: &ModelSpec) -> Vec<Problem> {
    let mut out = Vec::new();
    let root = JsonPath::root();
    let mut mark = |path: &JsonPath, kind: &str, field: &str, note: &str, absent: bool| {
        let (message, help) = match (kind, absent) {
            ("observed", _) => (
                format!("`{field}` was read from the live state, not reviewed yet: {note}"),
                format!(
                    "compare it with what the system should be (the live state may be the mistake), correct it if needed, then delete \"{field}\" from {path}.observed"
                ),
            ),
            (_, true) => (
                format!("`{field}` is not known yet: {note}"),
                format!(
                    "fill it in (for an offering also its plan, as `cf services` shows them; or \"user_provided\": true), then delete \"{field}\" from {path}.guessed"
                ),
            ),
            _ => (
                format!("`{field}` is a guess, not reviewed yet: {note}"),
                format!(
                    "check it, correct it if needed, then delete \"{field}\" from {path}.guessed"
                ),
            ),
        };
        out.push(Problem::at(path.key(kind).key(field), message).help(help));
    };
    for (name, e) in &spec.environments {
        let p = root.key("environments").key(name);
        for (f, note) in &e.guessed {
            mark(&p, "guessed", f.as_str(), note, false);
        }
    }
    for (id, a) in &spec.apps {
        let p = root.key("apps").key(id);
        for (f, note) in &a.guessed {
            mark(&p, "guessed", f.as_str(), note, false);
        }
        for (f, note) in &a.observed {
            mark(&p, "observed", f.as_str(), note, false);
        }
    }
    for (id, s) in &spec.services {
        let p = root.key("services").key(id);
        for (f, note) in &s.guessed {
            let absent = *f == ServiceField::Offering && s.offering.is_none();
            mark(&p, "guessed", f.as_str(), note, absent);
        }
        for (f, note) in &s.observed {
            mark(&p, "observed", f.as_str(), note, false);
        }
    }
    out
}
