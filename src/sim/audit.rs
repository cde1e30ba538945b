//! The simulator's audit trail: for each fault that changes the world, the events the Cloud
//! Controller's repositories would record (`app/repositories/app_event_repository.rb`,
//! `service_generic_binding_event_repository.rb`, `service_event_repository.rb`,
//! `deployment_event_repository.rb`, `process_event_repository.rb`,
//! `service_instance_share_event_repository.rb`), in their shapes: who acted (the
//! [`deployer`], or a process for a crash), the target, the space, and `data`. Served by
//! [`super::api::audit_events`].

use super::world::{EventParty, World};
use serde_json::{Value, json};

/// The user every fault acts as: a pipeline's deployer.
pub(crate) fn deployer() -> EventParty {
    EventParty {
        guid: super::ids::guid("user/ci-deployer"),
        kind: "user".into(),
        name: "ci-deployer".into(),
    }
}

/// The space of an app (empty when unknown).
fn space_of_app(world: &World, app_guid: &str) -> String {
    world
        .app(app_guid)
        .map(|a| a.space_guid.clone())
        .unwrap_or_default()
}

/// An event whose target is an app, in the app's space.
pub(crate) fn app_event(
    world: &mut World,
    kind: &'static str,
    actor: EventParty,
    app_guid: &str,
    data: Value,
    now: i64,
) {
    let target = world.app_party(app_guid);
    let space = space_of_app(world, app_guid);
    world.record(kind, actor, target, &space, data, now);
}

/// An event by the deployer on an app, with no `data` (`audit.app.stop`, `restart`).
pub(crate) fn by_deployer(world: &mut World, kind: &'static str, app_guid: &str, now: i64) {
    app_event(world, kind, deployer(), app_guid, json!({}), now);
}

/// `audit.app.apply_manifest`: the manifest itself is not kept.
pub(crate) fn manifest_applied(world: &mut World, app_guid: &str, now: i64) {
    let data = json!({ "request": { "manifest": "[PRIVATE DATA HIDDEN]" } });
    let kind = "audit.app.apply_manifest";
    app_event(world, kind, deployer(), app_guid, data, now);
}

/// A binding deleted: `start_delete` then `delete`, the binding the target, the app and the
/// instance in `data.request`.
pub(crate) fn binding_deleted(
    world: &mut World,
    binding: String,
    app: &str,
    instance: &str,
    now: i64,
) {
    let target = binding_party(binding);
    let data = json!({ "request": {
        "app_guid": app, "route_guid": null, "service_instance_guid": instance,
    } });
    let space = space_of_app(world, app);
    for kind in [
        "audit.service_binding.start_delete",
        "audit.service_binding.delete",
    ] {
        world.record(kind, deployer(), target.clone(), &space, data.clone(), now);
    }
}

/// A binding created (`create`, or `start_create` while in progress): the request with its
/// relationships.
pub(crate) fn binding_created(
    world: &mut World,
    kind: &'static str,
    binding: String,
    app: &str,
    instance: &str,
    now: i64,
) {
    let data = json!({ "request": {
        "type": "app",
        "relationships": {
            "app": { "data": { "guid": app } },
            "service_instance": { "data": { "guid": instance } },
        },
    } });
    let space = space_of_app(world, app);
    world.record(kind, deployer(), binding_party(binding), &space, data, now);
}

fn binding_party(guid: String) -> EventParty {
    EventParty {
        guid,
        kind: "service_binding".into(),
        name: String::new(),
    }
}

/// What a service instance event needs of the instance: its type word (`service_instance` or
/// `user_provided_service_instance`), name and space; to be read before a deletion.
pub(crate) fn instance_facts(world: &World, guid: &str) -> (&'static str, String, String) {
    world
        .instance(guid)
        .map(|x| {
            let kind = if x.user_provided() {
                "user_provided_service_instance"
            } else {
                "service_instance"
            };
            (kind, x.name.clone(), x.space_guid.clone())
        })
        .unwrap_or(("service_instance", String::new(), String::new()))
}

/// An event on a service instance, e.g. `delete` or `start_update`, of facts read by
/// [`instance_facts`].
pub(crate) fn instance_event(
    world: &mut World,
    event: &str,
    guid: &str,
    facts: (&'static str, String, String),
    data: Value,
    now: i64,
) {
    let (word, name, space) = facts;
    let kind: &'static str = match (word, event) {
        ("user_provided_service_instance", "delete") => {
            "audit.user_provided_service_instance.delete"
        }
        (_, "delete") => "audit.service_instance.delete",
        (_, "share") => "audit.service_instance.share",
        _ => "audit.service_instance.start_update",
    };
    let target = EventParty {
        guid: guid.into(),
        kind: word.into(),
        name,
    };
    world.record(kind, deployer(), target, &space, data, now);
}

/// `audit.app.process.crash` for each of the app's processes, the process the actor.
pub(crate) fn crashed(world: &mut World, app_guid: &str, now: i64) {
    let processes: Vec<(String, String)> = world
        .processes
        .iter()
        .filter(|p| p.app_guid == app_guid)
        .map(|p| (p.guid.clone(), p.kind.clone()))
        .collect();
    for (guid, kind) in processes {
        let actor = EventParty {
            guid,
            kind: "process".into(),
            name: kind,
        };
        let data = json!({
            "index": 0,
            "reason": "CRASHED",
            "exit_status": 1,
            "exit_description": "APP/PROC/WEB: Exited with status 1 (simulated crash)",
        });
        app_event(world, "audit.app.process.crash", actor, app_guid, data, now);
    }
}

/// The GUIDs of the app's last deployment and its droplet (empty when it has none).
fn last_deployment(world: &World, app_guid: &str) -> (String, String) {
    world
        .deployments
        .iter()
        .rev()
        .find(|d| d.app_guid == app_guid)
        .map(|d| (d.guid.clone(), d.droplet_guid.clone()))
        .unwrap_or_default()
}

/// `audit.app.deployment.create` for the app's deployment just started.
pub(crate) fn deployment_created(world: &mut World, app_guid: &str, strategy: &str, now: i64) {
    let (deployment, droplet) = last_deployment(world, app_guid);
    // `DeploymentEventRepository.record_create`'s metadata.
    let data = json!({
        "deployment_guid": deployment,
        "droplet_guid": droplet,
        "type": null,
        "revision_guid": null,
        "request": {
            "strategy": strategy,
            "relationships": { "app": { "data": { "guid": app_guid } } },
        },
        "strategy": strategy,
    });
    let kind = "audit.app.deployment.create";
    app_event(world, kind, deployer(), app_guid, data, now);
}

/// `audit.app.deployment.cancel` for the app's last deployment.
pub(crate) fn deployment_canceled(world: &mut World, app_guid: &str, now: i64) {
    let (deployment, droplet) = last_deployment(world, app_guid);
    let data = json!({ "deployment_guid": deployment, "droplet_guid": droplet });
    let kind = "audit.app.deployment.cancel";
    app_event(world, kind, deployer(), app_guid, data, now);
}
