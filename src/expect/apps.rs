//! Expected `cf apps` text.

use super::{USER_PLACEHOLDER, cmp_ignore_case};
use crate::cf_layout::CliVersion;
use crate::cf_layout::table;
use crate::cf_layout::{APPS_V6_COLUMNS, APPS_V7_COLUMNS};
use crate::model::{App, Environment};

pub(super) fn expected(env: &Environment, cli: CliVersion) -> String {
    let mut out = format!(
        "Getting apps in org {} / space {} as {USER_PLACEHOLDER}...\n",
        env.org, env.space
    );
    if cli == CliVersion::V6 {
        out.push_str("OK\n");
    }
    out.push('\n');
    if env.apps.is_empty() {
        out.push_str("No apps found\n");
        return out;
    }
    let mut apps: Vec<&App> = env.apps.iter().collect();
    apps.sort_by(|a, b| cmp_ignore_case(&a.name, &b.name));
    let v6 = cli == CliVersion::V6;
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|a| {
            let n = a.instances;
            let mut row = vec![a.name.clone(), "started".into()];
            if v6 {
                row.extend([
                    format!("{n}/{n}"),
                    byte_size(a.memory_mb),
                    byte_size(a.disk_quota_mb),
                ]);
            } else {
                row.push(format!("web:{n}/{n}"));
            }
            row.push(a.routes.join(", "));
            row
        })
        .collect();
    let text = if v6 {
        table::render_v6_legacy(APPS_V6_COLUMNS, &rows)
    } else {
        table::render(APPS_V7_COLUMNS, &rows)
    };
    out.push_str(&text);
    out
}

/// Megabytes as the v6 CLI's `formatters.ByteSize` prints them (`640M`, `1G`, `1.5G`);
/// Cloud Foundry's default `1G` when the model gives none.
fn byte_size(mb: Option<u64>) -> String {
    let Some(mb) = mb else {
        return "1G".into();
    };
    if mb == 0 {
        return "0".into();
    }
    let (value, unit) = if mb >= 1024 * 1024 {
        (mb as f64 / (1024.0 * 1024.0), "T")
    } else if mb >= 1024 {
        (mb as f64 / 1024.0, "G")
    } else {
        (mb as f64, "M")
    };
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::byte_size;

    #[test]
    fn sizes_print_as_the_v6_cli_does() {
        assert_eq!(byte_size(Some(1024)), "1G");
        assert_eq!(byte_size(Some(640)), "640M");
        assert_eq!(byte_size(Some(1536)), "1.5G");
        assert_eq!(byte_size(None), "1G");
    }
}
