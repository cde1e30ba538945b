//! The environments on one API observed together, in a number of requests that does not grow
//! with the number of environments, and each environment's share of the answers.
//!
//! Round trips (each list with `per_page=5000`, its pages after the first read at once):
//! 1. `GET /v3/spaces?names=A,B,...&include=organization`: every space of those names with
//!    its organization; an environment's space is the one whose name *and* organization's
//!    name are the environment's (the same space name in another org is another space);
//! 2. at once, each over every space found (`space_guids=...`): service instances (with plan,
//!    offering and broker names through `fields[...]`), apps, processes with their instances
//!    (`embed=process_instances`), routes;
//! 3. at once: the app bindings of every instance listed (`include=app`), the deployments of
//!    the apps whose processes show one in flight or that are followed, and which spaces the
//!    instances that may be shared into another of the spaces are shared into.
//!
//! Every filter is split only where its URL would grow past [`filter::MAX_URL_BYTES`], and
//! the space lists are split the same way for every resource, so a group of spaces is one
//! request of each kind. What a request covered is what its failure makes UNKNOWN: a failed
//! space lookup the environments it looked for, a failed list every environment of its
//! group, a failed binding batch the bindings of every environment that sees one of its
//! instances. Nothing is attributed by name: apps by their space's GUID, processes,
//! routes and deployments by their app's GUID, bindings by their app's space.
//!
//! A service instance is listed once, with its owning space, however many of the spaces it
//! is shared into (as the Cloud Controller's `space_guids` filter answers). It is seen in
//! its owner's environment, and in another environment of the batch when the answers show
//! it there: an app of that space is bound to it, or `.../relationships/shared_spaces`
//! names the space. That lookup is made (one request an instance, in round trip 3) for an
//! instance owned by a space outside the batch, and for one owned by another space of the
//! batch whose name the environment's model names and its own space does not own. With one
//! space in the batch, everything the list shows is in it.

use super::client::{Target, join_all};
use super::error::ApiError;
use super::filter;
use super::resources::{
    App, BindingIncluded, CredentialBinding, Deployment, IncludedApp, InstanceIncluded, NoIncluded,
    Process, ProcessStats, Route, ServiceInstance, SharedSpaces, Space, SpaceIncluded,
};
use super::space::{
    Dated, PER_PAGE, SERVICE_FIELDS, SpaceRef, deployment_apps, map_apps, map_services,
    source_label, unavailable,
};
use crate::observe::{AppsSeen, Coverage, Guids, Observation, ServicesSeen};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// One environment of the batch, observed.
pub(crate) struct Observed {
    pub observation: Observation,
}

/// Observes the environments `spaces` (all on `target`'s API) together; `progress` is told
/// what is being read. Every failure ends up inside the observations, one per environment,
/// in the order given.
pub(crate) async fn observe(
    target: &Target,
    spaces: &[SpaceRef],
    progress: &(dyn Fn(&str) + Sync),
) -> Vec<Observed> {
    progress("finding the spaces");
    let found = find_spaces(target, spaces).await;
    let guids: Vec<String> = found
        .iter()
        .filter_map(|f| f.as_ref().ok().cloned().flatten())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    progress("reading services, apps, processes, routes");
    let lists = Lists::read(target, &guids).await;
    progress("reading bindings, deployments, shares");
    let seen = Seen::read(target, spaces, &found, &lists).await;
    spaces
        .iter()
        .zip(found)
        .map(|(space, found)| {
            let mut obs = Observation::new(&space.environment);
            obs.sources.push(source_label(target, space));
            let space_guid = match found {
                Ok(Some(g)) => g,
                Ok(None) => {
                    let reason = format!(
                        "space `{}` in org `{}` not found at {}, or not visible to this user",
                        space.space,
                        space.org,
                        target.show_url(&target.base).trim_end_matches('/')
                    );
                    return Observed {
                        observation: unavailable(obs, &reason),
                    };
                }
                Err(e) => {
                    return Observed {
                        observation: unavailable(obs, &format!("finding the space: {e}")),
                    };
                }
            };
            obs.services = seen.services(&lists, &space_guid);
            obs.apps = seen.apps(&lists, space, &space_guid);
            obs.guids = Some(lists.guids(&space_guid));
            Observed { observation: obs }
        })
        .collect()
}

/// `path` listed with the parameters `query`, one of which, `key`, is a list filter over
/// `values` (its value in `query` is left out), split where a URL would grow too long: each
/// group of values with its answer, all at once.
async fn list_split<T, I>(
    target: &Target,
    path: &str,
    query: &[(&str, &str)],
    key: &str,
    values: &[String],
) -> Vec<Batch<ListAnswer<T, I>>>
where
    T: serde::de::DeserializeOwned,
    I: serde::de::DeserializeOwned,
{
    let groups = filter::split(values, room(target, &[(path, query)]));
    let answers = join_all(groups.iter().map(|g| {
        let joined = filter::join(g);
        async move {
            let query = with_value(query, key, &joined);
            target.list_dated::<T, I>(path, &query).await
        }
    }))
    .await;
    groups.into_iter().zip(answers).collect()
}

/// The parameters with `key`'s value set to `value`.
fn with_value<'a>(
    query: &[(&'a str, &'a str)],
    key: &str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    query
        .iter()
        .map(|&(k, v)| if k == key { (k, value) } else { (k, v) })
        .collect()
}

/// The bytes left for the one list filter (its value left empty) in the longest of these
/// URLs.
fn room(target: &Target, lists: &[(&str, &[(&str, &str)])]) -> usize {
    let longest = lists
        .iter()
        .map(|(path, query)| target.url(path, query).as_str().len())
        .max()
        .unwrap_or(0);
    filter::MAX_URL_BYTES.saturating_sub(longest)
}

// ---- 1. spaces ----

/// Each environment's space: its GUID, `None` when no space of that name is in an org of
/// that name (or visible), or why the lookup failed.
async fn find_spaces(
    target: &Target,
    spaces: &[SpaceRef],
) -> Vec<Result<Option<String>, ApiError>> {
    let names: Vec<String> = spaces
        .iter()
        .map(|s| s.space.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let query = [
        ("names", ""),
        ("include", "organization"),
        ("per_page", PER_PAGE),
    ];
    let answers =
        list_split::<Space, SpaceIncluded>(target, "/v3/spaces", &query, "names", &names).await;
    spaces
        .iter()
        .map(|space| {
            let (_, answer) = answers
                .iter()
                .find(|(group, _)| group.contains(&space.space))
                .ok_or_else(|| ApiError::new("the space lookup was not sent"))?;
            match answer {
                Ok((found, included)) => space_in_org(space, found, included),
                Err(e) => Err(e.clone()),
            }
        })
        .collect()
}

/// The GUID of the space named S in the org named O among a space lookup's answer.
fn space_in_org(
    space: &SpaceRef,
    spaces: &[Dated<Space>],
    included: &[SpaceIncluded],
) -> Result<Option<String>, ApiError> {
    let orgs: HashMap<&str, &str> = included
        .iter()
        .flat_map(|i| i.organizations.iter())
        .map(|o| (o.guid.as_str(), o.name.as_str()))
        .collect();
    let named: Vec<&Space> = spaces
        .iter()
        .map(|(s, _)| s)
        .filter(|s| crate::cf_name::same(&s.name, &space.space))
        .collect();
    if named.iter().any(|s| {
        s.relationships
            .organization
            .guid()
            .is_none_or(|g| !orgs.contains_key(g))
    }) {
        return Err(ApiError::new(format!(
            "the answer to the space lookup did not name the organizations of the spaces called `{}` \
             (include=organization), so which is in org `{}` cannot be told",
            space.space, space.org
        )));
    }
    Ok(named
        .into_iter()
        .find(|s| {
            s.relationships
                .organization
                .guid()
                .and_then(|g| orgs.get(g))
                .is_some_and(|name| crate::cf_name::same(name, &space.org))
        })
        .map(|s| s.guid.clone()))
}

// ---- 2. the lists of every space ----

type Instances = (Vec<ServiceInstance>, Vec<InstanceIncluded>);

/// The lists of round trip 2, per group of spaces (the same groups for every list).
struct Lists {
    /// Space GUID -> its group.
    group_of: HashMap<String, usize>,
    instances: Vec<Result<Instances, ApiError>>,
    /// Instance GUID -> (group, position) of its first listing.
    instance_at: HashMap<String, (usize, usize)>,
    /// The plans, offerings and brokers of every group's instances.
    included: Vec<InstanceIncluded>,
    /// Apps by space, per group.
    apps: Vec<Result<HashMap<String, Vec<App>>, ApiError>>,
    processes: Vec<Result<Vec<Dated<Process>>, ApiError>>,
    routes: Vec<Result<Vec<Route>, ApiError>>,
}

impl Lists {
    async fn read(target: &Target, guids: &[String]) -> Lists {
        let by_space = [("space_guids", ""), ("per_page", PER_PAGE)];
        let embed = [
            ("space_guids", ""),
            ("embed", "process_instances"),
            ("per_page", PER_PAGE),
        ];
        let mut fields: Vec<(&str, &str)> = by_space.to_vec();
        fields.extend(SERVICE_FIELDS);
        let room = room(
            target,
            &[
                ("/v3/service_instances", &fields),
                ("/v3/apps", &by_space),
                ("/v3/processes", &embed),
                ("/v3/routes", &by_space),
            ],
        );
        let groups = filter::split(guids, room);
        let joined: Vec<String> = groups.iter().map(|g| filter::join(g)).collect();
        let (instances, apps, processes, routes) = tokio::join!(
            each_group::<ServiceInstance, InstanceIncluded>(
                target,
                "/v3/service_instances",
                &fields,
                &joined
            ),
            each_group::<App, NoIncluded>(target, "/v3/apps", &by_space, &joined),
            join_all(joined.iter().map(|j| processes(target, j))),
            each_group::<Route, NoIncluded>(target, "/v3/routes", &by_space, &joined),
        );
        let instances: Vec<Result<Instances, ApiError>> =
            instances.into_iter().map(undate).collect();
        let mut instance_at = HashMap::new();
        for (g, listed) in instances.iter().enumerate() {
            for (n, i) in listed.iter().flat_map(|(l, _)| l).enumerate() {
                instance_at.entry(i.guid.clone()).or_insert((g, n));
            }
        }
        Lists {
            group_of: groups
                .iter()
                .enumerate()
                .flat_map(|(i, g)| g.iter().map(move |s| (s.clone(), i)))
                .collect(),
            included: instances
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .flat_map(|(_, inc)| inc.iter().cloned())
                .collect(),
            instance_at,
            instances,
            apps: apps
                .into_iter()
                .zip(&groups)
                .map(|(r, group)| {
                    let (apps, _): (Vec<App>, Vec<NoIncluded>) = undate(r)?;
                    apps_by_space(group, apps)
                })
                .collect(),
            processes: processes.into_iter().collect(),
            routes: routes
                .into_iter()
                .map(|r| undate(r).map(|(routes, _): (Vec<Route>, Vec<NoIncluded>)| routes))
                .collect(),
        }
    }

    /// What one list answered for the group of `space`.
    fn of<'a, T>(&self, list: &'a [Result<T, ApiError>], space: &str) -> Result<&'a T, ApiError> {
        match self.group_of.get(space).and_then(|&g| list.get(g)) {
            Some(Ok(t)) => Ok(t),
            Some(Err(e)) => Err(e.clone()),
            None => Err(ApiError::new("the space was not in any list")),
        }
    }

    /// The GUID of every instance listed, once, in the order listed (so the same spaces give
    /// the same requests).
    /// The GUIDs by CF name of a space's apps and of the instances it can see (its own
    /// first), which the audit events name.
    fn guids(&self, space_guid: &str) -> Guids {
        let mut apps = BTreeMap::new();
        if let Some(Ok(by_space)) = self.group_of.get(space_guid).map(|&g| &self.apps[g]) {
            for a in by_space.get(space_guid).into_iter().flatten() {
                apps.insert(a.name.clone(), a.guid.clone());
            }
        }
        let mut instances = BTreeMap::new();
        let listed = || {
            self.instances
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .flat_map(|(instances, _)| instances)
        };
        for i in listed().filter(|i| owner(i) != Some(space_guid)) {
            instances.insert(i.name.clone(), i.guid.clone());
        }
        for i in listed().filter(|i| owner(i) == Some(space_guid)) {
            instances.insert(i.name.clone(), i.guid.clone());
        }
        Guids {
            space: space_guid.to_owned(),
            apps,
            instances,
        }
    }

    fn instance_guids(&self) -> Vec<String> {
        let mut once = HashSet::new();
        self.instances
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .flat_map(|(instances, _)| instances)
            .filter(|i| once.insert(i.guid.as_str()))
            .map(|i| i.guid.clone())
            .collect()
    }

    /// The instance with this GUID, if listed.
    fn instance(&self, guid: &str) -> Option<&ServiceInstance> {
        let &(g, n) = self.instance_at.get(guid)?;
        self.instances.get(g)?.as_ref().ok()?.0.get(n)
    }

    /// Every instance listed, once, by GUID.
    fn all_instances(&self) -> BTreeMap<&str, &ServiceInstance> {
        self.instances
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .flat_map(|(instances, _)| instances)
            .map(|i| (i.guid.as_str(), i))
            .collect()
    }

    /// Every app listed, by GUID, with its space.
    fn app_spaces(&self) -> HashMap<&str, &str> {
        self.apps
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .flat_map(|by_space| {
                by_space
                    .iter()
                    .flat_map(|(s, apps)| apps.iter().map(move |a| (a.guid.as_str(), s.as_str())))
            })
            .collect()
    }
}

/// `path` listed with the parameters `query` for each group of spaces (`space_guids`, its
/// value left out of `query`, already joined), all at once.
async fn each_group<T, I>(
    target: &Target,
    path: &str,
    query: &[(&str, &str)],
    joined: &[String],
) -> Vec<Result<(Vec<Dated<T>>, Vec<I>), ApiError>>
where
    T: serde::de::DeserializeOwned,
    I: serde::de::DeserializeOwned,
{
    join_all(joined.iter().map(|j| {
        let query = with_value(query, "space_guids", j);
        async move { target.list_dated::<T, I>(path, &query).await }
    }))
    .await
}

/// A list's answer without the server's times.
fn undate<T, I>(
    r: Result<(Vec<Dated<T>>, Vec<I>), ApiError>,
) -> Result<(Vec<T>, Vec<I>), ApiError> {
    r.map(|(items, inc)| (items.into_iter().map(|(t, _)| t).collect(), inc))
}

/// A group's apps by space: each by its `relationships.space`, which must be a space of the
/// group (with one space in the group, every app is in it).
fn apps_by_space(group: &[String], apps: Vec<App>) -> Result<HashMap<String, Vec<App>>, ApiError> {
    let mut out: HashMap<String, Vec<App>> =
        group.iter().map(|s| (s.clone(), Vec::new())).collect();
    for app in apps {
        let space = match (group, app.relationships.space.guid()) {
            ([only], None) => only.clone(),
            (_, Some(s)) if out.contains_key(s) => s.to_owned(),
            (_, other) => {
                return Err(ApiError::new(format!(
                    "the answer to the app list put app `{}` in {}, not in one of the spaces asked for",
                    app.name,
                    other.map_or_else(|| "no space".to_owned(), |s| format!("space {s}"))
                )));
            }
        };
        out.entry(space).or_default().push(app);
    }
    Ok(out)
}

/// Processes of a group of spaces with their instances' states: embedded when the Cloud
/// Controller can (one list), else from `/v3/processes/:guid/stats` for each process that
/// has instances (all at once, as many as the client lets through).
async fn processes(target: &Target, space_guids: &str) -> Result<Vec<Dated<Process>>, ApiError> {
    let embedded = target
        .list_dated::<Process, NoIncluded>(
            "/v3/processes",
            &[
                ("space_guids", space_guids),
                ("embed", "process_instances"),
                ("per_page", PER_PAGE),
            ],
        )
        .await;
    let mut processes = match embedded {
        Ok((p, _)) => p,
        // An older Cloud Controller refuses the unknown parameter.
        Err(e) if e.status == Some(400) => {
            tracing::debug!("processes without embed: {}", e.message);
            target
                .list_dated::<Process, NoIncluded>(
                    "/v3/processes",
                    &[("space_guids", space_guids), ("per_page", PER_PAGE)],
                )
                .await?
                .0
        }
        Err(e) => return Err(e),
    };
    let missing: Vec<usize> = processes
        .iter()
        .enumerate()
        .filter(|(_, (p, _))| p.process_instances.is_none() && p.instances > 0)
        .map(|(i, _)| i)
        .collect();
    let stats = join_all(missing.iter().map(|&i| {
        let url = target.url(&format!("/v3/processes/{}/stats", processes[i].0.guid), &[]);
        async move { target.get_json_dated::<ProcessStats>(&url).await }
    }))
    .await;
    for (i, stats) in missing.into_iter().zip(stats) {
        let (stats, now) = stats?;
        processes[i].0.process_instances = Some(stats.resources);
        processes[i].1 = now;
    }
    Ok(processes)
}

// ---- 3. bindings, deployments, shares ----

type Bindings = (Vec<CredentialBinding>, Vec<BindingIncluded>);
/// A batch of a filter's values with its answer.
type Batch<T> = (Vec<String>, Result<T, ApiError>);
/// A list's answer with the server's times: the resources and `included`.
type ListAnswer<T, I> = (Vec<Dated<T>>, Vec<I>);

/// The answers of round trip 3, and where each instance is seen.
struct Seen {
    /// Binding batches: each batch's instance GUIDs and its answer.
    bindings: Vec<Batch<Bindings>>,
    /// Instance GUID -> its binding batch.
    batch_of: HashMap<String, usize>,
    /// Deployment batches: each batch's app GUIDs and its answer.
    deployments: Vec<Batch<Vec<Dated<Deployment>>>>,
    /// With several spaces in the batch: space GUID -> the instances seen in it.
    seen_in: HashMap<String, BTreeSet<String>>,
    /// Share lookups that failed: the instance's name, its owning space, why.
    unknown: Vec<(String, Option<String>, ApiError)>,
    /// Whether the batch has more than one space.
    several: bool,
}

impl Seen {
    async fn read(
        target: &Target,
        spaces: &[SpaceRef],
        found: &[Result<Option<String>, ApiError>],
        lists: &Lists,
    ) -> Seen {
        let instance_guids = lists.instance_guids();
        let app_guids: Vec<String> = asked_deployments(spaces, found, lists)
            .into_iter()
            .flatten()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let several = lists.group_of.len() > 1;
        let lookups = if several {
            share_candidates(spaces, found, lists)
        } else {
            Vec::new()
        };
        let binding_query = [
            ("type", "app"),
            ("include", "app"),
            ("service_instance_guids", ""),
            ("per_page", PER_PAGE),
        ];
        let deployment_query = [
            ("app_guids", ""),
            ("order_by", "-created_at"),
            ("per_page", PER_PAGE),
        ];
        let (bindings, deployments, shares) = tokio::join!(
            list_split::<CredentialBinding, BindingIncluded>(
                target,
                "/v3/service_credential_bindings",
                &binding_query,
                "service_instance_guids",
                &instance_guids,
            ),
            list_split::<Deployment, NoIncluded>(
                target,
                "/v3/deployments",
                &deployment_query,
                "app_guids",
                &app_guids,
            ),
            join_all(lookups.iter().map(|g| shared_spaces(target, g))),
        );
        let mut seen = Seen::new(bindings, deployments, several);
        if several {
            seen.place(lists, lookups.into_iter().zip(shares).collect());
        }
        seen
    }

    /// The answers, without the server's times, before anything is placed.
    fn new(
        bindings: Vec<Batch<ListAnswer<CredentialBinding, BindingIncluded>>>,
        deployments: Vec<Batch<ListAnswer<Deployment, NoIncluded>>>,
        several: bool,
    ) -> Seen {
        Seen {
            batch_of: bindings
                .iter()
                .enumerate()
                .flat_map(|(i, (group, _))| group.iter().map(move |g| (g.clone(), i)))
                .collect(),
            bindings: bindings.into_iter().map(|(g, r)| (g, undate(r))).collect(),
            deployments: deployments
                .into_iter()
                .map(|(g, r)| (g, r.map(|(d, _)| d)))
                .collect(),
            seen_in: HashMap::new(),
            unknown: Vec::new(),
            several,
        }
    }

    /// Where each instance is seen: in its owner's space, in the spaces its lookup names, and
    /// in the spaces of the apps bound to it.
    fn place(&mut self, lists: &Lists, shares: Vec<(String, Result<HashSet<String>, ApiError>)>) {
        let instances = lists.all_instances();
        for i in instances.values() {
            if let Some(owner) = owner(i) {
                self.add(owner, &i.guid);
            }
        }
        for (guid, shared) in shares {
            let Some(i) = instances.get(guid.as_str()) else {
                continue;
            };
            match shared {
                Ok(spaces) => spaces.iter().for_each(|s| self.add(s, &guid)),
                Err(e) => self
                    .unknown
                    .push((i.name.clone(), owner(i).map(str::to_owned), e)),
            }
        }
        let app_spaces = lists.app_spaces();
        let mut bound: Vec<(String, String)> = Vec::new();
        for (_, answer) in &self.bindings {
            let Ok((bindings, _)) = answer else { continue };
            for b in bindings {
                let app = b.relationships.app.as_ref().and_then(|a| a.guid());
                if let (Some(space), Some(i)) = (
                    app.and_then(|a| app_spaces.get(a)),
                    b.relationships.service_instance.guid(),
                ) && instances.contains_key(i)
                {
                    bound.push(((*space).to_owned(), i.to_owned()));
                }
            }
        }
        for (space, i) in bound {
            self.add(&space, &i);
        }
    }

    fn add(&mut self, space: &str, instance: &str) {
        self.seen_in
            .entry(space.to_owned())
            .or_default()
            .insert(instance.to_owned());
    }
}

/// An instance's owning space.
fn owner(i: &ServiceInstance) -> Option<&str> {
    i.relationships.space.as_ref().and_then(|s| s.guid())
}

/// The spaces an instance is shared into.
async fn shared_spaces(target: &Target, guid: &str) -> Result<HashSet<String>, ApiError> {
    let url = target.url(
        &format!("/v3/service_instances/{guid}/relationships/shared_spaces"),
        &[],
    );
    let shared: SharedSpaces = target.get_json(&url).await?;
    Ok(shared.data.into_iter().map(|d| d.guid).collect())
}

/// Each environment's apps whose deployments are worth a request (none for an environment
/// whose space or apps could not be read).
fn asked_deployments(
    spaces: &[SpaceRef],
    found: &[Result<Option<String>, ApiError>],
    lists: &Lists,
) -> Vec<Vec<String>> {
    spaces
        .iter()
        .zip(found)
        .map(|(space, found)| match found {
            Ok(Some(guid)) => asked_of(lists, space, guid),
            _ => Vec::new(),
        })
        .collect()
}

/// The apps of one environment whose deployments are worth a request.
fn asked_of(lists: &Lists, space: &SpaceRef, guid: &str) -> Vec<String> {
    let (Ok(apps), Ok(processes)) = (
        lists.of(&lists.apps, guid).map(|by| by.get(guid)),
        lists.of(&lists.processes, guid),
    ) else {
        return Vec::new();
    };
    let apps = apps.map_or(&[][..], Vec::as_slice);
    deployment_apps(apps, &processes_of(apps, processes), &space.follow)
}

/// The processes of these apps.
fn processes_of(apps: &[App], processes: &[Dated<Process>]) -> Vec<Dated<Process>> {
    let guids: HashSet<&str> = apps.iter().map(|a| a.guid.as_str()).collect();
    processes
        .iter()
        .filter(|(p, _)| {
            p.relationships
                .app
                .guid()
                .is_some_and(|g| guids.contains(g))
        })
        .cloned()
        .collect()
}

/// The instances whose shares must be looked up (the batch has several spaces): those owned
/// by a space outside the batch, and those owned by another space of the batch whose name an
/// environment's model names while its space owns no instance of that name. Sorted.
fn share_candidates(
    spaces: &[SpaceRef],
    found: &[Result<Option<String>, ApiError>],
    lists: &Lists,
) -> Vec<String> {
    let instances = lists.all_instances();
    let mut out: BTreeSet<String> = instances
        .values()
        .filter(|i| owner(i).is_none_or(|o| !lists.group_of.contains_key(o)))
        .map(|i| i.guid.clone())
        .collect();
    // By CF name (its key), once: each space's own names, and the instances of each name.
    let mut owned: HashMap<&str, HashSet<Cow<'_, str>>> = HashMap::new();
    let mut named: HashMap<Cow<'_, str>, Vec<&ServiceInstance>> = HashMap::new();
    for i in instances.values() {
        if let Some(o) = owner(i) {
            owned
                .entry(o)
                .or_default()
                .insert(crate::cf_name::key(&i.name));
        }
        named
            .entry(crate::cf_name::key(&i.name))
            .or_default()
            .push(i);
    }
    for (space, found) in spaces.iter().zip(found) {
        let Ok(Some(guid)) = found else { continue };
        let mine = owned.get(guid.as_str());
        for name in &space.services {
            let name = crate::cf_name::key(name);
            if mine.is_some_and(|m| m.contains(&name)) {
                continue;
            }
            out.extend(
                named
                    .get(&name)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .filter(|i| owner(i) != Some(guid))
                    .map(|i| i.guid.clone()),
            );
        }
    }
    out.into_iter().collect()
}

// ---- each environment's share ----

impl Seen {
    /// The instances seen in `space`, or why that cannot be told.
    fn visible<'a>(
        &self,
        lists: &'a Lists,
        space: &str,
    ) -> Result<Vec<&'a ServiceInstance>, String> {
        let listed = lists
            .of(&lists.instances, space)
            .map_err(|e| format!("service instances: {e}"))?;
        if !self.several {
            return Ok(listed.0.iter().collect());
        }
        if let Some((name, _, e)) = self
            .unknown
            .iter()
            .find(|(_, owner, _)| owner.as_deref() != Some(space))
        {
            return Err(format!(
                "whether service instance `{name}` (of another space) is shared into this space \
                 could not be read: {e}"
            ));
        }
        Ok(self
            .seen_in
            .get(space)
            .into_iter()
            .flatten()
            .filter_map(|g| lists.instance(g))
            .collect())
    }

    /// The services part of the environment of `space`.
    fn services(&self, lists: &Lists, space: &str) -> Coverage<ServicesSeen> {
        let visible = match self.visible(lists, space) {
            Ok(v) => v,
            Err(reason) => return Coverage::Unavailable { reason },
        };
        let bindings = self.bindings_of(&visible);
        let instances = visible.into_iter().cloned().collect();
        Coverage::Seen(map_services(space, instances, &lists.included, bindings))
    }

    /// The bindings of these instances with their apps, or the error of a batch that held
    /// one of them.
    fn bindings_of(&self, instances: &[&ServiceInstance]) -> Result<Bindings, ApiError> {
        let batches: BTreeSet<usize> = instances
            .iter()
            .filter_map(|i| self.batch_of.get(&i.guid).copied())
            .collect();
        let wanted: HashSet<&str> = instances.iter().map(|i| i.guid.as_str()).collect();
        let mut bindings = Vec::new();
        let mut apps: BTreeMap<&str, &IncludedApp> = BTreeMap::new();
        for b in batches {
            let (found, included) = self.bindings[b].1.as_ref().map_err(Clone::clone)?;
            bindings.extend(
                found
                    .iter()
                    .filter(|x| {
                        x.relationships
                            .service_instance
                            .guid()
                            .is_some_and(|g| wanted.contains(g))
                    })
                    .cloned(),
            );
            for app in included.iter().flat_map(|inc| &inc.apps) {
                apps.insert(app.guid.as_str(), app);
            }
        }
        let used: HashSet<&str> = bindings
            .iter()
            .filter_map(|b| b.relationships.app.as_ref().and_then(|a| a.guid()))
            .collect();
        let apps = apps
            .into_iter()
            .filter(|(g, _)| used.contains(g))
            .map(|(_, a)| a.clone())
            .collect();
        Ok((bindings, vec![BindingIncluded { apps }]))
    }

    /// The apps part of the environment of `space`.
    fn apps(&self, lists: &Lists, env: &SpaceRef, space: &str) -> Coverage<AppsSeen> {
        let fail = |what: &str, e: ApiError| Coverage::Unavailable {
            reason: format!("{what}: {e}"),
        };
        let apps = match lists.of(&lists.apps, space) {
            Ok(by_space) => by_space.get(space).cloned().unwrap_or_default(),
            Err(e) => return fail("apps", e),
        };
        let processes = match lists.of(&lists.processes, space) {
            Ok(p) => processes_of(&apps, p),
            Err(e) => return fail("processes", e),
        };
        let routes = match lists.of(&lists.routes, space) {
            Ok(r) => routes_of(&apps, r),
            Err(e) => return fail("routes", e),
        };
        let asked = asked_of(lists, env, space);
        let deployments = (!asked.is_empty()).then(|| (&asked[..], self.deployments_of(&asked)));
        Coverage::Seen(map_apps(apps, processes, routes, deployments))
    }

    /// The deployments of these apps, or the error of a batch that held one of them.
    fn deployments_of(&self, apps: &[String]) -> Result<Vec<Dated<Deployment>>, ApiError> {
        let wanted: HashSet<&str> = apps.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        for (group, answer) in &self.deployments {
            if !group.iter().any(|g| wanted.contains(g.as_str())) {
                continue;
            }
            let list = answer.as_ref().map_err(Clone::clone)?;
            out.extend(
                list.iter()
                    .filter(|(d, _)| {
                        d.relationships
                            .app
                            .guid()
                            .is_some_and(|g| wanted.contains(g))
                    })
                    .cloned(),
            );
        }
        Ok(out)
    }
}

/// The routes with a destination to one of these apps.
fn routes_of(apps: &[App], routes: &[Route]) -> Vec<Route> {
    let guids: HashSet<&str> = apps.iter().map(|a| a.guid.as_str()).collect();
    routes
        .iter()
        .filter(|r| {
            r.destinations
                .iter()
                .any(|d| guids.contains(d.app.guid.as_str()))
        })
        .cloned()
        .collect()
}
