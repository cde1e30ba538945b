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
    let mut services: Vec<&Service> = env.services.iter().collect();
    services.sort_by(|a, b| cmp_ignore_case(&a.name, &b.name));
    let rows: Vec<Vec<String>> = services.iter().map(|s| row(env, s, cli)).collect();
    out.push_str(&table::render(&header, &rows));
    out
}

fn row(env: &Environment, s: &Service, cli: CliVersion) -> Vec<String> {
    let mut bound: Vec<&str> = env
        .apps
        .iter()
        .filter(|a| a.bindings.iter().any(|b| b.service == s.id))
        .map(|a| a.name.as_str())
        .collect();
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
