//! `archcheck watch MODEL`: flags become a checked [`WatchConfig`] (environments, API,
//! interval, webhooks) before any I/O; then, on the process's one runtime built here at the
//! edge, either one round (`--once`: the text report and its exit code, for cron) or rounds
//! on a schedule with `/metrics`, `/healthz` and `/status` served on `--listen` until SIGINT
//! or SIGTERM, which cancels a round in flight.

use crate::cli::WatchArgs;
use crate::credentials::Credentials;
use crate::model::Model;
use crate::observe::api::ApiOptions;
use crate::report::ReportFormat;
use crate::report::ReportOptions;
use crate::watch::store::Store;
use crate::watch::web_config::WebConfig;
use crate::watch::web_config::tls::ClientAuth;
use crate::watch::webhook::Webhook;
use crate::watch::{WatchConfig, round};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The variable (and credential name) of webhook URLs that are not on the command line: a
/// Slack webhook's URL is a secret, which a systemd unit or a CF manifest must not hold.
pub(crate) const WEBHOOKS_VAR: &str = "ARCHCHECK_WEBHOOKS";

/// Checks the arguments against the model (no I/O). `more_webhooks` are URLs from
/// [`WEBHOOKS_VAR`], posted to after those of `--webhook`.
pub(crate) fn config(
    args: &WatchArgs,
    model: &Model,
    more_webhooks: &[String],
) -> anyhow::Result<WatchConfig> {
    let mut envs: Vec<String> = Vec::new();
    for e in &args.envs {
        model.require_environment(e)?;
    }
    for e in &model.environments {
        if args.envs.is_empty() || args.envs.contains(&e.name) {
            envs.push(e.name.clone());
        }
    }
    let webhooks = args
        .webhooks
        .iter()
        .chain(more_webhooks.iter().filter(|_| !args.once))
        .map(|w| Webhook::parse(w))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let api = ApiOptions {
        api: args.api.clone().filter(|u| !u.is_empty()),
        timeout: args.timeout,
        skip_ssl_validation: args.skip_ssl_validation,
        ca_cert: args.ca_cert.clone(),
        // Progress bars would interleave with the round log.
        progress: false,
        credentials: args.credentials.clone(),
        follow: Default::default(),
        budget: Arc::new(crate::observe::api::budget::Budget::new(
            args.max_requests_per_hour,
        )),
    };
    Ok(WatchConfig {
        envs,
        api,
        interval: args.interval,
        webhooks,
        webhook_grace: args.webhook_grace,
        web: None,
    })
}

/// A round may take up to `--timeout`; when that is longer than the stale age (3 intervals),
/// a round that uses it gives evidence that is UNKNOWN on arrival. Said once at start, so a
/// watcher that shows only UNKNOWN for a slow API is not a mystery.
fn timeout_warning(config: &WatchConfig) -> Option<String> {
    let stale = crate::watch::schedule::stale_after(config.interval);
    let human = crate::watch::state::human;
    (config.api.timeout > stale).then(|| {
        format!(
            "--timeout {} is longer than the stale age ({}, 3 times --interval {}): a round \
             that takes longer than {} gives evidence exported as UNKNOWN",
            human(config.api.timeout),
            human(stale),
            human(config.interval),
            human(stale)
        )
    })
}

/// Listening beyond loopback with nothing that asks who is looking (no user, no required
/// client certificate) shows the architecture to anyone: said once at start.
fn exposure_warning(web: Option<&WebConfig>, listen: SocketAddr) -> Option<String> {
    if listen.ip().is_loopback() || web.is_some_and(WebConfig::protects) {
        return None;
    }
    let how = if web.is_some() {
        "with --web-config that asks for no user nor client certificate"
    } else {
        "without --web-config"
    };
    Some(format!(
        "listening on {listen}, beyond this host, {how}: the status page, /status and /metrics \
         show the system's architecture and failures to anyone who can reach it; give \
         basic_auth_users (or client_auth_type: RequireAndVerifyClientCert) in --web-config, \
         or listen on 127.0.0.1"
    ))
}

fn listen_addr(args: &WatchArgs) -> anyhow::Result<SocketAddr> {
    args.listen.context("--listen ADDR is required (or --once)")
}

/// Webhook URLs from [`WEBHOOKS_VAR`]: the variable, else the credential of that name
/// ([`Credentials`]); one or more, separated by white space.
fn webhooks_from_credentials() -> anyhow::Result<Vec<String>> {
    let text = Credentials::from_process()?.var_or_get(WEBHOOKS_VAR)?;
    Ok(text
        .iter()
        .flat_map(|t| t.split_whitespace())
        .map(str::to_owned)
        .collect())
}

pub(crate) fn run(args: &WatchArgs, global: &super::Global) -> anyhow::Result<u8> {
    let model = super::load_model(&args.model)?;
    let more = if args.once {
        Vec::new()
    } else {
        webhooks_from_credentials()?
    };
    let mut config = config(args, &model, &more)?;
    if args.once {
        return once(&model, &config, global);
    }
    let listen = listen_addr(args)?;
    if let Some(path) = &args.web_config {
        config.web = Some(Arc::new(WebConfig::load(path)?));
    }
    if let Some(warning) = exposure_warning(config.web.as_deref(), listen) {
        tracing::warn!("{warning}");
    }
    for note in config
        .web
        .iter()
        .filter_map(|w| w.tls())
        .flat_map(|t| &t.notes)
    {
        tracing::warn!("{note}");
    }
    if let Some(warning) = timeout_warning(&config) {
        tracing::warn!("{warning}");
    }
    // The state file is checked (and locked) before anything listens or runs.
    let state = match &args.state {
        Some(path) => {
            let (store, restored) = Store::open(
                path,
                &model.system,
                args.retain,
                config.interval,
                &config.envs,
            )?;
            crate::eprintln_redacted!(
                "archcheck watch: history in {} (kept {}; {} transitions restored{})",
                path.display(),
                crate::time_format::span(args.retain.as_secs()),
                restored.timeline.len(),
                if restored.announced.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; last announced: {}",
                        restored
                            .announced
                            .iter()
                            .map(|(e, a)| format!("{e} {}", a.status))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
            Some((store, restored))
        }
        None => None,
    };
    let model = Arc::new(model);
    let runtime = super::runtime()?;
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener
            .local_addr()
            .context("cannot read the bound address")?;
        let tls = config.web.as_ref().and_then(|w| w.tls());
        let url = format!("{}://{addr}", if tls.is_some() { "https" } else { "http" });
        if let Some(file) = &args.url_file {
            super::write_url_file(file, &url)?;
        }
        crate::eprintln_redacted!(
            "archcheck watch: {} ({}) every {}, listening on {url} (/ the status page, /metrics, /healthz, /status){}{}",
            args.model.display(),
            config.envs.join(", "),
            crate::watch::state::human(config.interval),
            tls.map_or_else(String::new, |t| format!(
                "; TLS with {}{}",
                t.cert_origin,
                match t.client_auth {
                    ClientAuth::Required => ", client certificates required",
                    ClientAuth::IfGiven => ", client certificates verified when sent",
                    ClientAuth::None => "",
                }
            )),
            if config.webhooks.is_empty() {
                String::new()
            } else {
                format!(
                    "; webhooks: {}",
                    config
                        .webhooks
                        .iter()
                        .map(|w| w.target.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        crate::watch::run(model, config, listener, state, super::shutdown_signal()).await
    });
    // The round in flight was cancelled with the rounds and the webhooks had their grace;
    // anything else still running does not hold the exit up for long.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result?;
    crate::eprintln_redacted!("archcheck watch: stopped");
    Ok(0)
}

/// One round on the process's one runtime, the text report on standard output, the
/// verdict's exit code.
fn once(model: &Model, config: &WatchConfig, global: &super::Global) -> anyhow::Result<u8> {
    let outcome =
        super::runtime()?.block_on(round(model, &config.envs, &config.api, &Default::default()));
    let color = global.color_stdout;
    let bytes = crate::report::render(
        &outcome.verdict,
        model,
        &ReportOptions {
            format: ReportFormat::Text,
            color,
            elapsed: None,
            wait: None,
        },
    )?;
    super::write_output(None, &bytes)?;
    Ok(outcome.verdict.status.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn model() -> Model {
        crate::model::c2_for_tests()
    }

    fn args(extra: &[&str]) -> WatchArgs {
        let mut argv = vec!["archcheck", "watch", "models/c2.json"];
        argv.extend_from_slice(extra);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Watch(a) => a,
            _ => unreachable!(),
        }
    }

    fn config_of(args: &WatchArgs, model: &Model) -> anyhow::Result<WatchConfig> {
        config(args, model, &[])
    }

    #[test]
    fn webhooks_from_the_credential_come_after_the_flags_and_not_with_once() {
        let more = ["https://hooks.example.org/T0/B0/S3CRET".to_owned()];
        let c = config(
            &args(&[
                "--listen",
                "127.0.0.1:0",
                "--webhook",
                "https://a.example.org/x",
            ]),
            &model(),
            &more,
        )
        .unwrap();
        let targets: Vec<&str> = c.webhooks.iter().map(|w| w.target.as_str()).collect();
        assert_eq!(
            targets,
            ["https://a.example.org", "https://hooks.example.org"]
        );
        let c = config(&args(&["--once"]), &model(), &more).unwrap();
        assert!(c.webhooks.is_empty());
    }

    #[test]
    fn environments_default_to_all_in_model_order() {
        let c = config_of(&args(&["--listen", "127.0.0.1:0"]), &model()).unwrap();
        assert_eq!(c.envs, vec!["dev", "staging", "prod"]);
        let c = config_of(
            &args(&[
                "--listen",
                "127.0.0.1:0",
                "--env",
                "prod",
                "--env",
                "staging",
            ]),
            &model(),
        )
        .unwrap();
        assert_eq!(c.envs, vec!["staging", "prod"]);
        assert_eq!(c.interval, Duration::from_secs(60));
    }

    #[test]
    fn the_webhook_grace_defaults_to_5s_and_is_only_for_the_server() {
        let c = config(&args(&["--listen", "127.0.0.1:0"]), &model(), &[]).unwrap();
        assert_eq!(c.webhook_grace, Duration::from_secs(5));
        let c = config(
            &args(&["--listen", "127.0.0.1:0", "--webhook-grace", "30s"]),
            &model(),
            &[],
        )
        .unwrap();
        assert_eq!(c.webhook_grace, Duration::from_secs(30));
        let both = Cli::try_parse_from([
            "archcheck",
            "watch",
            "m.json",
            "--once",
            "--webhook-grace",
            "1s",
        ]);
        assert!(both.is_err());
    }

    #[test]
    fn a_timeout_longer_than_the_stale_age_is_warned_about() {
        let c = config(&args(&["--listen", "127.0.0.1:0"]), &model(), &[]).unwrap();
        assert_eq!(timeout_warning(&c), None, "60s rounds, 60s timeout");
        let c = config(
            &args(&["--listen", "127.0.0.1:0", "--interval", "10s"]),
            &model(),
            &[],
        )
        .unwrap();
        let w = timeout_warning(&c).unwrap();
        assert!(
            w.contains("--timeout 1m is longer than the stale age (30s, 3 times --interval 10s)"),
            "{w}"
        );
    }

    #[test]
    fn listening_beyond_loopback_unprotected_is_warned_about() {
        let lo: SocketAddr = "127.0.0.1:9023".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:9023".parse().unwrap();
        assert_eq!(exposure_warning(None, lo), None);
        let w = exposure_warning(None, any).unwrap();
        assert!(
            w.contains("0.0.0.0:9023, beyond this host, without --web-config"),
            "{w}"
        );
        let hash = bcrypt::hash("x", 4).unwrap();
        let users = WebConfig::parse(
            &format!("basic_auth_users:\n  a: '{hash}'\n"),
            std::path::Path::new("."),
        )
        .unwrap();
        assert_eq!(exposure_warning(Some(&users), any), None);
        // TLS alone hides the traffic, not the page.
        let dir = tempfile::tempdir().unwrap();
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        std::fs::write(dir.path().join("c.pem"), made.cert.pem()).unwrap();
        std::fs::write(dir.path().join("k.pem"), made.signing_key.serialize_pem()).unwrap();
        let tls = WebConfig::parse(
            "tls_server_config:\n  cert_file: c.pem\n  key_file: k.pem\n",
            dir.path(),
        )
        .unwrap();
        let w = exposure_warning(Some(&tls), any).unwrap();
        assert!(w.contains("with --web-config that asks for no user"), "{w}");
    }

    #[test]
    fn an_unknown_environment_is_an_error_naming_the_valid_ones() {
        let e = config_of(&args(&["--once", "--env", "qa"]), &model()).unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("no environment `qa`")
                && msg.contains("dev (org cap / space dev), staging (org cap / space staging)"),
            "{msg}"
        );
    }

    #[test]
    fn a_bad_webhook_is_an_error_that_does_not_print_its_path() {
        let e = config_of(
            &args(&["--listen", "127.0.0.1:0", "--webhook", "ftp://h/T0/SECRET"]),
            &model(),
        )
        .unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("ftp://h") && !msg.contains("SECRET"), "{msg}");
    }

    #[test]
    fn listen_is_required_unless_once_and_conflicts_with_it() {
        let none = Cli::try_parse_from(["archcheck", "watch", "m.json"]);
        assert!(none.is_err());
        let both = Cli::try_parse_from(["archcheck", "watch", "m.json", "--once", "--listen", "x"]);
        assert!(both.is_err());
        // A bad address is clap's usage error now, before any configuration.
        let bad = Cli::try_parse_from(["archcheck", "watch", "m.json", "--listen", "localhost"])
            .unwrap_err();
        assert!(bad.to_string().contains("not an address"), "{bad}");
    }
}
