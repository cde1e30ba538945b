//! `archcheck init`: a first model drafted from the manifests a team already pushes with.
//!
//! The manifests are the source, never the live state alone (re-deploys that copied a broken
//! live state are how the C2 outage lasted days). Each environment's manifests are read as
//! `cf push` reads them (with that environment's variables); apps and service instances of
//! different environments are one entry when their names follow one pattern (`c2-staging`,
//! `c2-prod` -> `c2-{env}`) or are equal; a field that differs between environments becomes
//! an `overrides` entry. What a manifest cannot say is guessed and marked (`guessed`, see
//! [`crate::model::spec::Marks`]): the kind of each instance, whether it is user-provided,
//! its offering and plan (left out, marked), an organization and space taken from the cf
//! CLI's target. `archcheck check` warns about each mark until a person has reviewed it.
//!
//! With `--from-api` ([`Live`]), each environment's live space adds what a manifest cannot
//! say: the offering and plan of each instance (or that it is user-provided), the route of an
//! app left to the default domain, routes the manifests lack. Each value taken from it is
//! marked `observed`: the live state may be the very mistake the model exists to catch.
//! Apps and instances only the live space has are named in a note, never added.
//!
//! Values that came from a manifest variable are written only where the model needs them and
//! they cannot be secrets (names, routes, instances, sizes, health check types); a command,
//! health check endpoint, buildpack or stack from a variable is left out with a note, since a
//! variable's value may be a secret (`./run --key ((api_key))`).

pub(crate) mod guess;

use crate::manifest::read::{Manifest, ManifestApp, Route, Size};
use crate::model::spec::{
    AppField, AppOverride, AppSpec, BindingSpec, EnvironmentField, EnvironmentSpec, FORMAT_VERSION,
    HealthCheck, ModelSpec, ServiceField, ServiceSpec,
};
use crate::model::units;
use crate::observe::{ObservedApp, ObservedService};
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// One environment to draft: where it lives and the manifests deployed to it.
#[derive(Debug, Clone)]
pub(crate) struct EnvInput {
    /// The environment's name in the model, e.g. `staging`.
    pub name: String,
    pub org: String,
    pub space: String,
    /// Set when org and space are the cf CLI's target rather than given: why they are a guess.
    pub target_guess: Option<String>,
    /// Its manifests, each with the domain its default routes are on, when given.
    pub manifests: Vec<(Manifest, Option<String>)>,
    /// Its live space, with `--from-api`.
    pub live: Option<Live>,
}

impl EnvInput {
    /// The environment's entry in the model: its org and space, marked guessed when they are
    /// the cf CLI's target.
    pub(crate) fn spec(&self) -> EnvironmentSpec {
        let mut guessed = IndexMap::new();
        if let Some(why) = &self.target_guess {
            guessed.insert(EnvironmentField::Org, why.clone());
            guessed.insert(EnvironmentField::Space, why.clone());
        }
        EnvironmentSpec {
            org: self.org.clone(),
            space: self.space.clone(),
            api: None,
            description: None,
            guessed,
        }
    }
}

/// What the Cloud Controller shows of one environment's space.
#[derive(Debug, Clone)]
pub(crate) struct Live {
    /// Where it was read, for the `observed` marks: `org cap / space staging at https://...`.
    pub source: String,
    pub services: Vec<ObservedService>,
    pub apps: Vec<ObservedApp>,
}

impl Live {
    fn app(&self, name: &str) -> Option<&ObservedApp> {
        self.apps
            .iter()
            .find(|a| crate::cf_name::same(&a.name, name))
    }
    fn service(&self, name: &str) -> Option<&ObservedService> {
        self.services
            .iter()
            .find(|s| crate::cf_name::same(&s.name, name))
    }
}

/// A drafted model and what a person should know about it.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub spec: ModelSpec,
    /// Things left out or worth a look, one sentence each (printed on stderr).
    pub notes: Vec<String>,
}

/// What the draft's `"$schema"` says, and the system's name when given.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub system: Option<String>,
    pub schema_ref: String,
}

/// An app of one environment, where it was read.
struct Seen<'a> {
    app: &'a ManifestApp,
    file: &'a str,
    default_domain: Option<&'a str>,
    /// The app in the live space, with `--from-api`, and where that was read.
    live: Option<(&'a ObservedApp, &'a str)>,
}

/// Entries (apps or service instances) of all environments grouped into model entries.
struct Group<T> {
    /// The name template, e.g. `c2-{env}-worker`.
    template: String,
    id: String,
    per_env: IndexMap<usize, T>,
}

/// Drafts a model from `envs`; an error names the manifest, line and what to do.
pub(crate) fn draft(envs: &[EnvInput], options: &Options) -> anyhow::Result<Draft> {
    anyhow::ensure!(
        !envs.is_empty(),
        "no environment to draft: give --manifest FILE --env NAME"
    );
    let templated = envs.len() > 1;
    let template_of = |name: &str, env: &str| {
        if templated {
            templatize(name, env)
        } else {
            name.to_owned()
        }
    };
    let mut notes = Vec::new();
    let mut apps = group_apps(envs, &template_of)?;
    let mut services = group_services(&apps, envs, &template_of, &mut notes)?;
    note_unmodelled_live(envs, &services, &template_of, &mut notes);

    let system = match &options.system {
        Some(s) => s.clone(),
        None => derive_system(&apps)?,
    };
    assign_ids(&mut apps, &system, "app");
    assign_ids(&mut services, &system, "service");

    let env_names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
    let service_id = |env: usize, name: &str| {
        let template = template_of(name, &envs[env].name);
        services
            .iter()
            .find(|g| crate::cf_name::same(&g.template, &template))
            .map(|g| g.id.clone())
            .expect("every bound instance has an entry")
    };

    let mut app_specs = IndexMap::new();
    for g in &apps {
        let spec = app_spec(g, envs, &env_names, &template_of, &service_id, &mut notes)?;
        app_specs.insert(g.id.clone(), spec);
    }
    let mut service_specs = IndexMap::new();
    for g in &services {
        service_specs.insert(g.id.clone(), service_spec(g, envs, &env_names, &mut notes));
    }

    let mut environments = IndexMap::new();
    for e in envs {
        environments.insert(e.name.clone(), e.spec());
    }
    let files: Vec<String> = envs
        .iter()
        .flat_map(|e| {
            e.manifests
                .iter()
                .map(move |(m, _)| format!("{} ({})", m.file, e.name))
        })
        .collect();
    Ok(Draft {
        spec: ModelSpec {
            schema: Some(options.schema_ref.clone()),
            version: FORMAT_VERSION,
            system,
            description: Some(format!(
                "drafted by archcheck init from {}",
                files.join(", ")
            )),
            environments,
            apps: app_specs,
            services: service_specs,
            externals: IndexMap::new(),
        },
        notes,
    })
}

impl<T> Group<T> {
    /// The group of `template` (compared as cf compares names), added when there is none.
    fn of(groups: &mut Vec<Group<T>>, template: String) -> &mut Group<T> {
        let at = groups
            .iter()
            .position(|g| crate::cf_name::same(&g.template, &template));
        let at = at.unwrap_or_else(|| {
            groups.push(Group {
                template,
                id: String::new(),
                per_env: IndexMap::new(),
            });
            groups.len() - 1
        });
        &mut groups[at]
    }
}

/// The apps of every manifest, grouped across environments by their name's pattern. An app
/// twice in one environment is an error.
fn group_apps<'e>(
    envs: &'e [EnvInput],
    template_of: &dyn Fn(&str, &str) -> String,
) -> anyhow::Result<Vec<Group<Seen<'e>>>> {
    let mut apps: Vec<Group<Seen>> = Vec::new();
    for (i, env) in envs.iter().enumerate() {
        for (manifest, domain) in &env.manifests {
            for app in &manifest.apps {
                no_braces(&manifest.file, app.line, "app", &app.name)?;
                let seen = Seen {
                    app,
                    file: &manifest.file,
                    default_domain: domain.as_deref(),
                    live: env
                        .live
                        .as_ref()
                        .and_then(|l| l.app(&app.name).map(|a| (a, l.source.as_str()))),
                };
                let g = Group::of(&mut apps, template_of(&app.name, &env.name));
                if let Some(first) = g.per_env.get(&i) {
                    anyhow::bail!(
                        "{}:{}: app `{}` is also at {}:{} for environment `{}`: cf push would push it twice; give each environment each app once",
                        manifest.file,
                        app.line,
                        app.name,
                        first.file,
                        first.app.line,
                        env.name
                    );
                }
                g.per_env.insert(i, seen);
            }
        }
    }
    Ok(apps)
}

/// Every service instance an app binds, grouped the same way, in environment order (as `cf
/// services` lists them per space); a note for each binding only in the top-level `services:`.
fn group_services(
    apps: &[Group<Seen>],
    envs: &[EnvInput],
    template_of: &dyn Fn(&str, &str) -> String,
    notes: &mut Vec<String>,
) -> anyhow::Result<Vec<Group<()>>> {
    let mut services: Vec<Group<()>> = Vec::new();
    for g in apps {
        for (&i, seen) in &g.per_env {
            for s in &seen.app.services {
                no_braces(seen.file, seen.app.line, "service instance", &s.name)?;
                let template = template_of(&s.name, &envs[i].name);
                Group::of(&mut services, template).per_env.insert(i, ());
                if s.inherited {
                    notes.push(format!(
                        "{}: `{}` is in the top-level `services:` only, which cf CLI v7 and later do not apply to {}; the model binds it (move it under the app)",
                        seen.file, s.name, seen.app.name
                    ));
                }
            }
        }
    }
    services.sort_by_key(|g| g.per_env.keys().min().copied());
    Ok(services)
}

/// A note for each app and service instance of a live space (`--from-api`) that no manifest
/// of its environment deploys or binds: they stay out of the model.
fn note_unmodelled_live(
    envs: &[EnvInput],
    services: &[Group<()>],
    template_of: &dyn Fn(&str, &str) -> String,
    notes: &mut Vec<String>,
) {
    for (i, env) in envs.iter().enumerate() {
        let Some(live) = &env.live else { continue };
        let in_manifests = |name: &str| {
            env.manifests
                .iter()
                .flat_map(|(m, _)| &m.apps)
                .any(|a| crate::cf_name::same(&a.name, name))
        };
        for a in live.apps.iter().filter(|a| !in_manifests(&a.name)) {
            notes.push(format!(
                "the live space of {} ({}) has app {}, which no manifest of {} deploys: not in the model (add it by hand if it belongs to the system)",
                env.name, live.source, a.name, env.name
            ));
        }
        let bound = |name: &str| {
            services.iter().any(|g| {
                g.per_env.contains_key(&i)
                    && crate::cf_name::same(&g.template, &template_of(name, &env.name))
            })
        };
        for s in live.services.iter().filter(|s| !bound(&s.name)) {
            notes.push(format!(
                "the live space of {} ({}) has service instance {}, which no manifest of {} binds: not in the model (add it by hand if it belongs to the system)",
                env.name, live.source, s.name, env.name
            ));
        }
    }
}

/// A CF name with `{` or `}` cannot be a model name (they are template syntax).
fn no_braces(file: &str, line: u64, what: &str, name: &str) -> anyhow::Result<()> {
    if name.contains(['{', '}']) {
        anyhow::bail!(
            "{file}:{line}: the {what} name `{name}` has a `{{` or `}}`, which a model name cannot have (they mark {{env}} and {{system}}); rename it in the manifest"
        );
    }
    Ok(())
}

/// `name` with each word that is the environment's name (between `-`, `_`, `.`, any case)
/// replaced by `{env}`: `c2-staging-worker` in `staging` is `c2-{env}-worker`.
pub(crate) fn templatize(name: &str, env: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() && word.eq_ignore_ascii_case(env) {
            out.push_str("{env}");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The first word every app's name template starts with (`c2` for `c2-{env}` and
/// `c2-{env}-worker`).
fn derive_system(apps: &[Group<Seen>]) -> anyhow::Result<String> {
    let first_word = |t: &str| {
        t.split(['-', '_', '.'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let words: BTreeSet<String> = apps.iter().map(|g| first_word(&g.template)).collect();
    match words.iter().next() {
        Some(w) if words.len() == 1 && !w.starts_with('{') && valid_id(w) => Ok(w.clone()),
        _ => {
            let names: Vec<&str> = apps.iter().map(|g| g.template.as_str()).collect();
            anyhow::bail!(
                "the app names ({}) share no first word to name the system by: give --system NAME (letters, digits, `-` and `_`), e.g. --system {}",
                names.join(", "),
                words
                    .iter()
                    .find(|w| !w.starts_with('{') && valid_id(w))
                    .map_or("my-system", String::as_str)
            )
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Stable ids from the name templates: the words that are neither `{env}`, the system's
/// name nor `ups` (`c2-{env}-worker` -> `worker`, `c2-{env}-ups-s3` -> `s3`), or all words
/// when nothing else is left; `-2`, `-3` on a clash.
fn assign_ids<T>(groups: &mut [Group<T>], system: &str, fallback: &str) {
    let mut taken = BTreeSet::new();
    for g in groups.iter_mut() {
        let words: Vec<String> = g
            .template
            .split(['-', '.'])
            .filter(|w| !w.is_empty() && *w != "{env}")
            .map(|w| {
                w.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '_' {
                            c.to_ascii_lowercase()
                        } else {
                            '-'
                        }
                    })
                    .collect::<String>()
                    .trim_matches('-')
                    .to_owned()
            })
            .filter(|w| !w.is_empty())
            .collect();
        // Neither the system's name nor a user-provided marker (`ups`) tells entries apart.
        let rest: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !w.eq_ignore_ascii_case(system) && !matches!(*w, "ups" | "cups"))
            .collect();
        let base = if !rest.is_empty() {
            rest.join("-")
        } else if !words.is_empty() {
            words.join("-")
        } else {
            fallback.to_owned()
        };
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(id.to_ascii_lowercase()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        g.id = id;
    }
}

/// The value every environment shares, else the most common one (the first environment's on
/// a tie), and the environments that differ from it. When some environment has no value, the
/// base has none either (an override cannot remove a value) and each value is an override.
fn split<T: Clone + PartialEq>(values: &[(usize, Option<T>)]) -> (Option<T>, Vec<(usize, T)>) {
    let base = if values.iter().any(|(_, v)| v.is_none()) {
        None
    } else {
        let mut best: Option<(&T, usize)> = None;
        for (_, v) in values {
            let v = v.as_ref().expect("all are given");
            let n = values.iter().filter(|(_, w)| w.as_ref() == Some(v)).count();
            if best.is_none_or(|(_, most)| n > most) {
                best = Some((v, n));
            }
        }
        best.map(|(v, _)| v.clone())
    };
    let overrides = values
        .iter()
        .filter_map(|(e, v)| match v {
            Some(v) if base.as_ref() != Some(v) => Some((*e, v.clone())),
            _ => None,
        })
        .collect();
    (base, overrides)
}

/// A size compared by megabytes, written as the manifest wrote it when the model reads that.
#[derive(Debug, Clone)]
struct SizeValue {
    mb: u64,
    text: String,
}

impl PartialEq for SizeValue {
    fn eq(&self, other: &Self) -> bool {
        self.mb == other.mb
    }
}

impl SizeValue {
    fn of(size: &Size) -> Self {
        let text = size.text.trim();
        let text = if units::parse_megabytes(text) == Some(size.mb) {
            text.to_owned()
        } else {
            units::format_megabytes(size.mb)
        };
        SizeValue { mb: size.mb, text }
    }
}

/// A list compared as a set (routes ignoring case, bindings), written in its first order.
#[derive(Debug, Clone)]
struct SetValue(Vec<String>);

impl PartialEq for SetValue {
    fn eq(&self, other: &Self) -> bool {
        let norm = |v: &Vec<String>| -> BTreeSet<String> {
            v.iter().map(|s| s.to_ascii_lowercase()).collect()
        };
        norm(&self.0) == norm(&other.0)
    }
}

/// Whether a value of this app's entry came from a variable (`((name))`).
fn from_variable(app: &ManifestApp, value: &str) -> bool {
    app.shown.contains_key(value)
}

/// The routes `cf push` maps for `seen`, as model routes of its environment, and which of
/// them came from the live space (`--from-api`): the route of a host left to the default
/// domain, and routes the manifest lacks.
fn routes(
    seen: &Seen,
    env: &str,
    notes: &mut Vec<String>,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let app = seen.app;
    let live: &[String] = seen
        .live
        .and_then(|(a, _)| a.routes.as_deref())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut observed = Vec::new();
    let mut add = |route: String, from_live: bool, out: &mut Vec<String>| {
        if !out.iter().any(|r: &String| r.eq_ignore_ascii_case(&route)) {
            if from_live {
                observed.push(route.clone());
            }
            out.push(route);
        }
    };
    for r in &app.routes {
        match r {
            Route::Exact(r) => add(r.clone(), false, &mut out),
            Route::DefaultDomain { host } => {
                if let Some(d) = seen.default_domain {
                    match host {
                        Some(h) => add(format!("{h}.{d}"), false, &mut out),
                        None => add(d.to_owned(), false, &mut out),
                    }
                    continue;
                }
                let on_host: Vec<&String> = match host {
                    Some(h) => live
                        .iter()
                        .filter(|l| {
                            l.strip_prefix(h.as_str())
                                .is_some_and(|rest| rest.starts_with('.') && !rest.contains('/'))
                        })
                        .collect(),
                    None => Vec::new(),
                };
                if on_host.is_empty() {
                    anyhow::bail!(
                        "{}:{}: app `{}` maps {} on the org's default domain, which a manifest does not name{}: give --default-domain DOMAIN in the group of --manifest {} (--env {env}; `cf domains` lists it), or name the route in the manifest (routes: [{{route: HOST.DOMAIN}}])",
                        seen.file,
                        app.line,
                        app.name,
                        app.show(&r.to_string()),
                        if seen.live.is_some() {
                            " (nor does the live space map it)"
                        } else {
                            ""
                        },
                        seen.file
                    );
                }
                for l in on_host {
                    add(l.clone(), true, &mut out);
                }
            }
            Route::Random { .. } => {
                let mapped: Vec<&String> = live.iter().collect();
                if mapped.is_empty() {
                    anyhow::bail!(
                        "{}:{}: app `{}` has `random-route: true`, a host cf push makes up: the model names every route; give the app its route in the manifest (routes: [{{route: HOST.DOMAIN}}]) or `no-route: true`",
                        seen.file,
                        app.line,
                        app.name
                    );
                }
                for l in mapped {
                    add(l.clone(), true, &mut out);
                }
            }
        }
    }
    if app.no_route {
        if !live.is_empty() {
            notes.push(format!(
                "{}:{}: {} has `no-route: true`, but the live space maps {} to it: not in the model (unmap them, or give the app its routes)",
                seen.file,
                app.line,
                app.name,
                live.join(", ")
            ));
        }
    } else {
        for l in live {
            add(l.clone(), true, &mut out);
        }
    }
    for route in &out {
        if let Some(why) = crate::model::resolve::invalid_route(route) {
            anyhow::bail!(
                "{}:{}: app `{}` has route `{}`, which the model cannot hold: {why}",
                seen.file,
                app.line,
                app.name,
                app.show(route)
            );
        }
    }
    Ok((out, observed))
}

/// The model entry of one app group.
fn app_spec(
    g: &Group<Seen>,
    envs: &[EnvInput],
    env_names: &[&str],
    template_of: &dyn Fn(&str, &str) -> String,
    service_id: &dyn Fn(usize, &str) -> String,
    notes: &mut Vec<String>,
) -> anyhow::Result<AppSpec> {
    let name_of = |e: usize| envs[e].name.clone();
    let v = AppValues::of(g, envs, template_of, service_id, notes)?;
    let mut o = Overrides::<AppOverride>::default();
    let instances = o.field(&v.instances, |x, v| x.instances = Some(v));
    let memory = o.field(&v.memory, |x, v| x.memory = Some(v.text));
    let disk = o.field(&v.disk, |x, v| x.disk_quota = Some(v.text));
    let routes = o.field(&v.routes, |x, v| x.routes = Some(v.0));
    let no_route = o.field(&v.no_route, |x, v| x.no_route = Some(v));
    let health = o.field(&v.health, |x, v| x.health_check = Some(v));
    let endpoint = o.field(&v.endpoint, |x, v| x.health_check_endpoint = Some(v));
    let command = o.field(&v.command, |x, v| x.command = Some(v));
    let buildpacks = o.field(&v.buildpacks, |x, v| x.buildpacks = Some(v.0));
    let stack = o.field(&v.stack, |x, v| x.stack = Some(v));
    let bindings = o.field(&v.bindings, |x, v| {
        x.services = Some(v.0.into_iter().map(BindingSpec::Id).collect());
    });

    let everywhere = g.per_env.len() == env_names.len();
    Ok(AppSpec {
        name: g.template.clone(),
        description: None,
        instances: instances.filter(|n| *n != 1),
        memory: memory.map(|s| s.text),
        disk_quota: disk.map(|s| s.text),
        routes: routes.map(|r| r.0).filter(|r| !r.is_empty()),
        no_route,
        health_check: health.filter(|h| *h != HealthCheck::Port),
        health_check_endpoint: endpoint,
        command,
        buildpacks: buildpacks.map(|b| b.0),
        stack,
        services: bindings
            .map(|b| b.0.into_iter().map(BindingSpec::Id).collect::<Vec<_>>())
            .filter(|b| !b.is_empty()),
        environments: (!everywhere).then(|| g.per_env.keys().map(|&e| name_of(e)).collect()),
        overrides: o.0.into_iter().map(|(e, o)| (name_of(e), o)).collect(),
        guessed: IndexMap::new(),
        observed: if v.observed_routes.is_empty() {
            IndexMap::new()
        } else {
            IndexMap::from([(
                AppField::Routes,
                format!(
                    "not in the manifests, read from the live space: {}",
                    v.observed_routes.join("; ")
                ),
            )])
        },
    })
}

/// The overrides of each environment (by index), filled field by field.
struct Overrides<O>(IndexMap<usize, O>);

impl<O> Default for Overrides<O> {
    fn default() -> Self {
        Overrides(IndexMap::new())
    }
}

impl<O: Default> Overrides<O> {
    /// A field's base value ([`split`]); each environment whose value differs from it gets the
    /// value `set` on its override.
    fn field<T: Clone + PartialEq>(
        &mut self,
        values: &[(usize, Option<T>)],
        set: impl Fn(&mut O, T),
    ) -> Option<T> {
        let (base, differ) = split(values);
        for (e, v) in differ {
            set(self.0.entry(e).or_default(), v);
        }
        base
    }
}

/// What one app group's manifests (and live space) say in each environment, field by field.
#[derive(Default)]
struct AppValues {
    instances: Vec<(usize, Option<u32>)>,
    memory: Vec<(usize, Option<SizeValue>)>,
    disk: Vec<(usize, Option<SizeValue>)>,
    routes: Vec<(usize, Option<SetValue>)>,
    no_route: Vec<(usize, Option<bool>)>,
    health: Vec<(usize, Option<HealthCheck>)>,
    endpoint: Vec<(usize, Option<String>)>,
    command: Vec<(usize, Option<String>)>,
    buildpacks: Vec<(usize, Option<SetList>)>,
    stack: Vec<(usize, Option<String>)>,
    bindings: Vec<(usize, Option<SetValue>)>,
    /// Routes read from the live space, with where, for the `observed` mark.
    observed_routes: Vec<String>,
}

impl AppValues {
    fn of(
        g: &Group<Seen>,
        envs: &[EnvInput],
        template_of: &dyn Fn(&str, &str) -> String,
        service_id: &dyn Fn(usize, &str) -> String,
        notes: &mut Vec<String>,
    ) -> anyhow::Result<AppValues> {
        let mut v = AppValues::default();
        for (&e, seen) in &g.per_env {
            let app = seen.app;
            let env = envs[e].name.as_str();
            v.instances.push((e, Some(app.instances.unwrap_or(1))));
            v.memory.push((e, app.memory.as_ref().map(SizeValue::of)));
            v.disk.push((e, app.disk_quota.as_ref().map(SizeValue::of)));
            let (rs, from_live) = routes(seen, env, notes)?;
            if !from_live.is_empty() {
                let source = seen.live.map_or("", |(_, s)| s);
                v.observed_routes
                    .push(format!("{} ({source})", from_live.join(", ")));
            }
            let rs: Vec<String> = rs.iter().map(|r| template_of(r, env)).collect();
            v.routes.push((e, Some(SetValue(rs))));
            v.no_route.push((e, app.no_route.then_some(true)));
            let hc = app.health_check.unwrap_or(HealthCheck::Port);
            v.health.push((e, Some(hc)));
            let unless_variable =
                |field: &str, value: Option<String>, notes: &mut Vec<String>| match value {
                    Some(value) if from_variable(app, &value) => {
                        left_out(seen, field, notes);
                        None
                    }
                    value => value,
                };
            let ep = app
                .health_check_endpoint
                .clone()
                .filter(|_| hc == HealthCheck::Http);
            v.endpoint
                .push((e, unless_variable("health check endpoint", ep, notes)));
            v.command
                .push((e, unless_variable("command", app.command.clone(), notes)));
            let bps = match app.buildpacks.clone() {
                Some(bps) if bps.iter().any(|b| from_variable(app, b)) => {
                    left_out(seen, "buildpacks", notes);
                    None
                }
                bps => bps,
            };
            v.buildpacks.push((e, bps.map(SetList)));
            let stack = app.stack.clone();
            v.stack.push((e, unless_variable("stack", stack, notes)));
            let mut ids: Vec<String> = Vec::new();
            for s in &app.services {
                let id = service_id(e, &s.name);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            v.bindings.push((e, Some(SetValue(ids))));
        }
        Ok(v)
    }
}

/// The note that a field of `seen`'s app comes from a manifest variable and is left out.
fn left_out(seen: &Seen, field: &str, notes: &mut Vec<String>) {
    notes.push(format!(
        "{}:{}: the {field} of {} comes from a manifest variable, whose value may be a secret: left out of the model (add it by hand if it is not one)",
        seen.file, seen.app.line, seen.app.name
    ));
}

/// Buildpacks compare in order (the first that detects wins).
#[derive(Debug, Clone, PartialEq)]
struct SetList(Vec<String>);

/// The model entry of one service instance group: the name; what the live spaces show of it
/// (offering and plan, or user-provided), marked `observed`; and the guesses a manifest
/// leaves to make, marked `guessed`.
fn service_spec(
    g: &Group<()>,
    envs: &[EnvInput],
    env_names: &[&str],
    notes: &mut Vec<String>,
) -> ServiceSpec {
    let everywhere = g.per_env.len() == env_names.len();
    let mut spec = ServiceSpec {
        name: g.template.clone(),
        description: None,
        offering: None,
        plan: None,
        broker: None,
        user_provided: None,
        kind: None,
        environments: (!everywhere)
            .then(|| g.per_env.keys().map(|&e| env_names[e].to_owned()).collect()),
        overrides: IndexMap::new(),
        guessed: IndexMap::new(),
        observed: IndexMap::new(),
    };

    // The live instance in each environment that has a live space.
    let live: Vec<(usize, Option<&ObservedService>, &str)> = g
        .per_env
        .keys()
        .filter_map(|&e| {
            let l = envs[e].live.as_ref()?;
            let name = crate::model::template::expand(&g.template, &envs[e].name, "")
                .unwrap_or_else(|_| g.template.clone());
            Some((e, l.service(&name), l.source.as_str()))
        })
        .collect();
    let seen: Vec<(usize, &ObservedService, &str)> = live
        .iter()
        .filter_map(|(e, s, src)| s.map(|s| (*e, s, *src)))
        .collect();
    for (e, s, src) in &live {
        if s.is_none() {
            notes.push(format!(
                "the live space of {} ({src}) has no service instance {}, which its manifests bind",
                envs[*e].name, g.template
            ));
        }
    }
    let where_seen = |seen: &[(usize, &ObservedService, &str)]| {
        seen.iter()
            .map(|(e, _, src)| format!("{}: {src}", envs[*e].name))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let kinds: BTreeSet<bool> = seen.iter().map(|(_, s, _)| s.user_provided).collect();
    let mut offering_known = false;
    match (kinds.len(), kinds.first()) {
        (1, Some(true)) => {
            spec.user_provided = Some(true);
            spec.observed.insert(
                ServiceField::UserProvided,
                format!("read from the live space ({})", where_seen(&seen)),
            );
            offering_known = true;
        }
        (1, Some(false)) => {
            let offerings: Vec<(usize, Option<String>)> = g
                .per_env
                .keys()
                .map(|&e| {
                    let o = seen
                        .iter()
                        .find(|(se, ..)| *se == e)
                        .and_then(|(_, s, _)| s.offering.clone());
                    (e, o)
                })
                .collect();
            let plans: Vec<(usize, Option<String>)> = g
                .per_env
                .keys()
                .map(|&e| {
                    let p = seen
                        .iter()
                        .find(|(se, ..)| *se == e)
                        .and_then(|(_, s, _)| s.plan.clone());
                    (e, p)
                })
                .collect();
            let (base_offering, o_over) = split(&offerings);
            let (base_plan, p_over) = split(&plans);
            for (e, o) in o_over {
                spec.overrides.entry(env_names[e].to_owned()).or_default().offering = Some(o);
            }
            for (e, p) in p_over {
                spec.overrides.entry(env_names[e].to_owned()).or_default().plan = Some(p);
            }
            offering_known = base_offering.is_some() && base_plan.is_some();
            spec.offering = base_offering;
            spec.plan = base_plan;
            let note = format!("read from the live space ({})", where_seen(&seen));
            spec.observed.insert(ServiceField::Offering, note.clone());
            spec.observed.insert(ServiceField::Plan, note);
        }
        (2, _) => notes.push(format!(
            "{} is user-provided in some live spaces and managed in others ({}): guessed as without the API",
            g.template,
            where_seen(&seen)
        )),
        _ => {}
    }
    if !offering_known {
        if spec.offering.is_some() || spec.plan.is_some() || !spec.overrides.is_empty() {
            spec.guessed.insert(
                ServiceField::Offering,
                "not seen in every environment's live space: fill in the rest".to_owned(),
            );
        } else {
            match guess::user_provided(&g.template) {
                Some(word) => {
                    spec.user_provided = Some(true);
                    spec.guessed.insert(
                        ServiceField::UserProvided,
                        format!(
                            "the instance name `{}` says `{word}`; a manifest does not say whether an instance is user-provided (`cf services` does)",
                            g.template
                        ),
                    );
                }
                None => {
                    spec.guessed.insert(
                        ServiceField::Offering,
                        "a manifest names the instance only, not its offering and plan".to_owned(),
                    );
                }
            }
        }
    }
    let offering = spec
        .offering
        .clone()
        .or_else(|| seen.iter().find_map(|(_, s, _)| s.offering.clone()));
    let (kind, why) = guess::kind(offering.as_deref(), &g.template);
    spec.kind = Some(kind);
    spec.guessed.insert(ServiceField::Kind, why);
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_replace_whole_words_only() {
        assert_eq!(
            templatize("c2-staging-worker", "staging"),
            "c2-{env}-worker"
        );
        assert_eq!(
            templatize("c2-Staging.18f.gov", "staging"),
            "c2-{env}.18f.gov"
        );
        assert_eq!(templatize("stagingish-app", "staging"), "stagingish-app");
        assert_eq!(templatize("notify_api_dev", "dev"), "notify_api_{env}");
        assert_eq!(templatize("prod", "prod"), "{env}");
    }

    #[test]
    fn split_takes_the_shared_or_most_common_value() {
        assert_eq!(split(&[(0, Some(1)), (1, Some(1))]), (Some(1), vec![]));
        assert_eq!(
            split(&[(0, Some(1)), (1, Some(2)), (2, Some(2))]),
            (Some(2), vec![(0, 1)])
        );
        assert_eq!(
            split(&[(0, Some(1)), (1, Some(2))]),
            (Some(1), vec![(1, 2)])
        );
        assert_eq!(
            split(&[(0, None), (1, Some(2))]),
            (None, vec![(1, 2)]),
            "an override cannot remove a value"
        );
    }
}
