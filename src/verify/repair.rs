//! What a failing check breaks (following the graph) and the `cf` command that would repair
//! it. archcheck only prints these commands; it never runs them.

use crate::model::{App, Binding, Environment, Model, Service};

/// Every app bound to `service` loses it.
pub(crate) fn service_impact(env: &Environment, service: &Service) -> String {
    // The apps' own binding lists, not `env.bindings()`: that looks up every binding's
    // service, which is linear in the services, once per failing instance.
    let lost: Vec<String> = env
        .apps
        .iter()
        .flat_map(|app| app.bindings.iter().map(move |b| (app, b)))
        .filter(|(_, b)| b.service == service.id)
        .map(|(app, binding)| binding_impact(env, app, binding))
        .collect();
    if lost.is_empty() {
        format!("no app of the model is bound to {}", service.name)
    } else {
        lost.join("; ")
    }
}

/// What an app loses with one binding, marked when the model says it is not critical.
pub(crate) fn binding_impact(env: &Environment, app: &App, binding: &Binding) -> String {
    let mut s = env.binding_impact(app, binding);
    if !binding.critical {
        s.push_str(" (marked not critical)");
    }
    s
}

/// What is lost when an app does not run.
pub(crate) fn app_down_impact(env: &Environment, app: &App) -> String {
    let mut s = format!("{} does no work", app.name);
    if let Some(d) = &app.description {
        s.push_str(&format!(": {d}"));
    }
    if !app.routes.is_empty() {
        s.push_str(&format!("; requests to {} fail", app.routes.join(", ")));
    }
    let uses: Vec<&str> = env
        .externals
        .iter()
        .filter(|x| x.used_by.iter().any(|a| a == &app.id))
        .map(|x| x.label.as_str())
        .collect();
    if !uses.is_empty() {
        s.push_str(&format!("; nothing reaches {}", uses.join(", ")));
    }
    s
}

pub(crate) fn create_service(service: &Service) -> String {
    match (&service.offering, &service.plan, service.user_provided) {
        (_, _, true) => format!(
            "cf create-user-provided-service {} -p '<credentials JSON>'",
            service.name
        ),
        (Some(o), Some(p), false) => format!("cf create-service {o} {p} {}", service.name),
        _ => format!("cf create-service <offering> <plan> {}", service.name),
    }
}

pub(crate) fn bind(app: &App, service: &Service) -> String {
    format!(
        "cf bind-service {} {}\ncf restage {}",
        app.name, service.name, app.name
    )
}

/// Restaging gives the app's instances an environment with every binding it has now.
pub(crate) fn restage(app: &App) -> String {
    format!("cf restage {}", app.name)
}

pub(crate) fn push(model: &Model, env: &Environment, app: &App) -> String {
    format!(
        "archcheck manifest {} --env {} -o manifest.yml\ncf push {} -f manifest.yml",
        model.file, env.name, app.name
    )
}

pub(crate) fn start(app: &App) -> String {
    format!("cf start {}", app.name)
}

pub(crate) fn scale(app: &App, instances: u32) -> String {
    format!("cf scale {} -i {instances}", app.name)
}

pub(crate) fn restart(app: &App) -> String {
    format!("cf restart {}\ncf logs {} --recent", app.name, app.name)
}

/// `cf map-route` for a route written `host.domain[/path]`; the first label is taken as the
/// host name.
pub(crate) fn map_route(app: &App, route: &str) -> String {
    let (host_domain, path) = match route.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (route, None),
    };
    let mut cmd = match host_domain.split_once('.') {
        Some((host, domain)) if domain.contains('.') => {
            format!("cf map-route {} {domain} --hostname {host}", app.name)
        }
        _ => format!("cf map-route {} {host_domain}", app.name),
    };
    if let Some(p) = path {
        cmd.push_str(&format!(" --path /{p}"));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        App {
            id: "web".into(),
            name: "c2-staging".into(),
            description: None,
            instances: 1,
            memory: None,
            memory_mb: None,
            disk_quota: None,
            disk_quota_mb: None,
            routes: vec![],
            no_route: false,
            health_check: crate::model::HealthCheck::Port,
            health_check_endpoint: None,
            command: None,
            buildpacks: vec![],
            stack: None,
            bindings: vec![],
        }
    }

    #[test]
    fn map_route_splits_host_domain_and_path() {
        assert_eq!(
            map_route(&app(), "c2-staging.18f.gov"),
            "cf map-route c2-staging 18f.gov --hostname c2-staging"
        );
        assert_eq!(
            map_route(&app(), "cap.18f.gov/api"),
            "cf map-route c2-staging 18f.gov --hostname cap --path /api"
        );
        assert_eq!(
            map_route(&app(), "example.com"),
            "cf map-route c2-staging example.com"
        );
    }
}
