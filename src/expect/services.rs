//! Expected `cf services` text.

use super::{BROKER_PLACEHOLDER, USER_PLACEHOLDER, cmp_ignore_case};
use crate::cf_layout::CliVersion;
use crate::cf_layout::table;
use crate::model::{Environment, Service};

pub(super) fn expected(env: &Environment, cli: CliVersion) -> String {
    let what = match cli {
        CliVersion::V8 => "service instances",
        CliVersion::V6 | CliVersion::V7 => "services",
    };
    let mut out = format!(
        "Getting {what} in org {} / space {} as {USER_PLACEHOLDER}...\n\n",
        env.org, env.space
    );
    if env.services.is_empty() {
        out.push_str(match cli {
            CliVersion::V8 => "No service instances found.\n",
            CliVersion::V6 | CliVersion::V7 => "No services found\n",
        });
        return out;
    }
    let second = match cli {
        CliVersion::V8 => "offering",
        CliVersion::V6 | CliVersion::V7 => "service",
    };
    let header = [
        "name",
        second,
        "plan",
        "bound apps",
        "last operation",
        "broker",
        "upgrade available",
    ];
    // The apps bound to each service, in the model's order: one pass, not one per service
    // (that was quadratic: most of `docs` on a model of 2,000 apps and 2,000 services).
    let mut bound: Vec<Vec<&str>> = vec![Vec::new(); env.services.len()];
    for (ai, a) in env.apps.iter().enumerate() {
        for &si in env.graph.binding_targets(ai).iter().flatten() {
            if bound[si].last() != Some(&a.name.as_str()) {
                bound[si].push(a.name.as_str());
            }
        }
    }
    let mut services: Vec<(&Service, Vec<&str>)> = env.services.iter().zip(bound).collect();
    services.sort_by(|(a, _), (b, _)| cmp_ignore_case(&a.name, &b.name));
    let rows: Vec<Vec<String>> = services
        .into_iter()
        .map(|(s, bound)| row(s, bound, cli))
        .collect();
    out.push_str(&table::render(&header, &rows));
    out
}

/// A service's row; `bound` names the apps bound to it, in the model's order.
fn row(s: &Service, mut bound: Vec<&str>, cli: CliVersion) -> Vec<String> {
    if cli != CliVersion::V8 {
        bound.sort_by(|a, b| cmp_ignore_case(a, b));
    }
    let bound = bound.join(", ");
    if s.user_provided {
        let last_op = match cli {
            CliVersion::V8 => "create succeeded",
            CliVersion::V6 | CliVersion::V7 => "",
        };
        vec![
            s.name.clone(),
            "user-provided".into(),
            String::new(),
            bound,
            last_op.into(),
            String::new(),
            String::new(),
        ]
    } else {
        vec![
            s.name.clone(),
            s.offering.clone().unwrap_or_else(|| "<offering>".into()),
            s.plan.clone().unwrap_or_else(|| "<plan>".into()),
            bound,
            "create succeeded".into(),
            s.broker
                .clone()
                .unwrap_or_else(|| BROKER_PLACEHOLDER.into()),
            "no".into(),
        ]
    }
}
