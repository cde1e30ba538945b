//! `archcheck verify`: flags become a checked plan (which environments, which captures,
//! whether to ask the API); then the captures are read and matched to their environments
//! ([`crate::observe::capture`]), the API is asked (the async source, blocked on here at the
//! edge on the process's one runtime), and the verdict is reported. With `--wait`, the API is
//! asked again, with backoff, while any check is pending (the deploy gate).

use crate::cli::VerifyArgs;
use crate::model::{Environment, Model};
use crate::observe::Observation;
use crate::observe::api::auth::CredentialEnv;
use crate::observe::api::{ApiOptions, Session};
use crate::observe::capture::{self, Assignment, CaptureError, CaptureInput, CaptureKind};
use crate::render::RenderOptions;
use crate::report::{ReportOptions, WaitOutcome, WaitSummary};
use crate::verify::{Status, Verdict};
use anyhow::{Context, bail};
use std::io::IsTerminal;
use std::time::Duration;

pub(crate) fn run(args: &VerifyArgs, global: &super::Global) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let model = super::load_model(&args.model)?;
    let plan = Plan::from_args(args, &model)?;

    let captures = plan
        .inputs
        .iter()
        .map(CaptureInput::read)
        .collect::<Result<Vec<_>, _>>()?;
    let captured = capture::assign(&model, &plan.selection, captures)?;
    let (verdict, observations, wait) = match (&plan.api, args.wait) {
        // The one runtime of the process: `verify` blocks on the async source here.
        (Some(api), Some(limit)) => {
            let progress = std::io::stderr().is_terminal();
            let (verdict, observations, wait) = super::runtime()?
                .block_on(gate(&model, &captured, api, limit, args.since, progress));
            (verdict, observations, Some(wait))
        }
        (Some(api), None) => {
            let runtime = super::runtime();
            let (verdict, observations) = match runtime {
                Ok(rt) => rt.block_on(async {
                    let (mut verdict, observations, session) = round(&model, &captured, api).await;
                    if let Some(session) = &session {
                        explain(&model, session, &observations, &mut verdict, args.since).await;
                    }
                    (verdict, observations)
                }),
                Err(e) => {
                    let mut observations = captured.clone();
                    crate::observe::merge_api(&mut observations, Err(format!("{e:#}")));
                    (crate::verify::verify(&model, &observations), observations)
                }
            };
            (verdict, observations, None)
        }
        (None, _) => (
            crate::verify::verify(&model, &captured),
            captured.clone(),
            None,
        ),
    };
    let options = ReportOptions {
        format: args.format,
        color: global.color_stdout && args.output.is_none(),
        elapsed: Some(started.elapsed()),
        wait,
    };
    let bytes = crate::report::render(&verdict, &model, &options)?;
    super::write_output(args.output.as_deref(), &bytes)?;
    if let Some(path) = &args.diagram {
        let single = (observations.len() == 1).then(|| observations[0].environment.as_str());
        write_diagram(&model, single, &verdict, path)?;
    }
    Ok(verdict.status.exit_code())
}

/// One round: the captures (read once) with what the API shows now, verified.
async fn round(
    model: &Model,
    captured: &[Observation],
    api: &ApiOptions,
) -> (Verdict, Vec<Observation>, Option<Session>) {
    let mut observations = captured.to_vec();
    let envs: Vec<&Environment> = observations
        .iter()
        .filter_map(|o| model.environment(&o.environment))
        .collect();
    if envs.is_empty() {
        return (
            crate::verify::verify(model, &observations),
            observations,
            None,
        );
    }
    let session = CredentialEnv::from_process().and_then(|cred| Session::new(&envs, api, &cred));
    let seen = match &session {
        Ok(s) => Ok(s.observe().await),
        Err(e) => Err(format!("{e:#}")),
    };
    crate::observe::merge_api(&mut observations, seen);
    (
        crate::verify::verify(model, &observations),
        observations,
        session.ok(),
    )
}

/// Who removed what: the cause of each CRITICAL check from the audit events since `since`
/// ago, one request an environment with one; none when nothing is CRITICAL.
async fn explain(
    model: &Model,
    session: &Session,
    observations: &[Observation],
    verdict: &mut Verdict,
    since: Duration,
) {
    let wanted: Vec<_> = verdict
        .environments
        .iter()
        .filter_map(|e| model.environment(&e.name))
        .map(|env| {
            (
                env.name.clone(),
                crate::verify::explain::wanted(verdict, env),
            )
        })
        .filter(|(_, w)| !w.is_empty())
        .collect();
    if wanted.is_empty() {
        return;
    }
    let from = crate::observe::api::client::local_now() - since.as_secs() as i64;
    let found = session.explain(observations, wanted, from).await;
    crate::verify::explain::attach(verdict, found);
}

/// The first wait between rounds of `--wait`; it doubles up to [`LONGEST_WAIT`].
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between rounds of `--wait`.
const LONGEST_WAIT: Duration = Duration::from_secs(15);

/// The deploy gate: rounds, with backoff, while any check is pending (a deployment in
/// flight, an instance or binding operation in progress, instances starting), until nothing
/// is, or a CRITICAL that nothing in progress settles ends it at once, or `limit` is up; the
/// verdict is the last round's, with each check still pending then marked as not settled.
/// Apps seen deploying are followed from round to round, so a deployment canceled meanwhile
/// is seen. `progress` says on stderr what is still pending after each round.
async fn gate(
    model: &Model,
    captured: &[Observation],
    api: &ApiOptions,
    limit: Duration,
    since: Duration,
    progress: bool,
) -> (Verdict, Vec<Observation>, WaitSummary) {
    let started = tokio::time::Instant::now();
    let deadline = started + limit;
    let mut api = ApiOptions {
        // One line a round instead of progress bars.
        progress: false,
        ..api.clone()
    };
    let mut rounds = 0;
    let mut wait = FIRST_WAIT;
    loop {
        rounds += 1;
        let (mut verdict, observations, session) = round(model, captured, &api).await;
        api.follow = crate::observe::api::to_follow(&observations);
        let pending: Vec<String> = verdict
            .checks
            .iter()
            .filter_map(|c| c.pending.clone())
            .collect();
        let settled_critical = verdict
            .checks
            .iter()
            .any(|c| c.status == Status::Critical && c.pending.is_none());
        let now = tokio::time::Instant::now();
        let outcome = if settled_critical {
            Some(WaitOutcome::FailedFast)
        } else if pending.is_empty() {
            Some(WaitOutcome::Settled)
        } else if now >= deadline {
            Some(WaitOutcome::DidNotSettle)
        } else {
            None
        };
        if let Some(outcome) = outcome {
            if outcome == WaitOutcome::DidNotSettle {
                did_not_settle(&mut verdict, limit);
            }
            if let Some(session) = &session {
                explain(model, session, &observations, &mut verdict, since).await;
            }
            let summary = WaitSummary {
                rounds,
                seconds_waited: (now - started).as_secs_f64().mul_add(10.0, 0.5).floor() / 10.0,
                limit_seconds: limit.as_secs_f64(),
                outcome,
            };
            return (verdict, observations, summary);
        }
        if progress {
            crate::eprintln_redacted!(
                "archcheck: round {rounds}, {} s of {}: waiting for {}",
                (now - started).as_secs(),
                crate::time_format::duration_flag(limit),
                pending.join("; ")
            );
        }
        tokio::time::sleep(wait.min(deadline - now)).await;
        wait = (wait * 2).min(LONGEST_WAIT);
    }
}

/// Each check still pending at the deadline says that it did not settle, and what it was
/// waiting for; pending checks are WARNINGs, and stay so.
fn did_not_settle(verdict: &mut Verdict, limit: Duration) {
    for c in verdict.checks.iter_mut() {
        if let Some(what) = &c.pending {
            c.message = format!(
                "did not settle within {} (waiting for {what}): {}",
                crate::time_format::duration_flag(limit),
                c.message
            );
        }
    }
}

/// The diagram with the verdict drawn on it: SVG when the file ends in `.svg`, else DOT.
fn write_diagram(
    model: &Model,
    env: Option<&str>,
    verdict: &crate::verify::Verdict,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let options = RenderOptions {
        env,
        verdict: Some(verdict),
        ..RenderOptions::default()
    };
    let dot = crate::render::dot(model, &options).context("cannot draw the diagram")?;
    let svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let bytes = if svg {
        crate::render::svg(&dot).context("cannot draw the diagram as SVG")?
    } else {
        dot.into_bytes()
    };
    super::write_output(Some(path), &bytes)
}

/// The checked plan: what to read, which environments were asked for, whether to ask the API.
struct Plan {
    inputs: Vec<CaptureInput>,
    selection: Assignment,
    api: Option<ApiOptions>,
}

impl Plan {
    fn from_args(args: &VerifyArgs, model: &Model) -> anyhow::Result<Plan> {
        let mut requested: Vec<String> = Vec::new();
        for e in &args.envs {
            model.require_environment(e)?;
            if !requested.contains(e) {
                requested.push(e.clone());
            }
        }
        let inputs = inputs(args);
        // No capture and no --api: after `cf login`, verify live against the cf CLI's target.
        let api_url = match &args.api {
            None if inputs.is_empty()
                && CredentialEnv::from_process().is_ok_and(|c| c.cf_session()) =>
            {
                tracing::info!(
                    "no capture given: verifying through the API of the cf CLI's target"
                );
                Some(String::new())
            }
            given => given.clone(),
        };
        if args.wait.is_some() && api_url.is_none() {
            bail!(
                "--wait verifies again while a change is in progress (a deployment, an operation, \
                 instances starting), which only the API shows: give --api (or log in with \
                 `cf login`), not only captures"
            );
        }
        if inputs.is_empty() && api_url.is_none() {
            bail!(
                "nothing to verify against: give captured cf output with --cf-services FILE, \
                 --cf-apps FILE or --cf-env FILE (`-` reads standard input), or ask the API with \
                 --api (or log in with `cf login`, whose target is then used); e.g. `cf services | archcheck verify {} --env {} --cf-services -`",
                args.model.display(),
                requested
                    .first()
                    .map(String::as_str)
                    .or(model.environment_names().first().copied())
                    .unwrap_or("ENV")
            );
        }
        let stdin: Vec<&'static str> = inputs
            .iter()
            .filter(|i| i.is_stdin())
            .map(|i| i.kind.flag())
            .collect();
        if stdin.len() > 1 {
            return Err(CaptureError::StdinTwice { flags: stdin }.into());
        }
        let api = api_url.as_ref().map(|url| ApiOptions {
            api: (!url.is_empty()).then(|| url.clone()),
            timeout: args.timeout,
            skip_ssl_validation: args.skip_ssl_validation,
            ca_cert: args.ca_cert.clone(),
            progress: std::io::stderr().is_terminal(),
            credentials: args.credentials.clone(),
            follow: Default::default(),
            budget: std::sync::Arc::new(crate::observe::api::budget::Budget::new(
                args.max_requests_per_hour,
            )),
        });
        if let Some(url) = args.api.as_deref().filter(|u| !u.is_empty()) {
            warn_overridden_apis(model, &requested, url);
        }
        Ok(Plan {
            inputs,
            selection: Assignment {
                requested,
                api: api.is_some(),
            },
            api,
        })
    }
}

/// The captures, in flag order: services, apps, env.
fn inputs(args: &VerifyArgs) -> Vec<CaptureInput> {
    [
        (CaptureKind::Services, &args.cf_services),
        (CaptureKind::Apps, &args.cf_apps),
        (CaptureKind::Env, &args.cf_env),
    ]
    .into_iter()
    .flat_map(|(kind, names)| {
        names.iter().map(move |n| CaptureInput {
            kind,
            name: n.clone(),
        })
    })
    .collect()
}

/// The same space name on another foundation would verify the wrong space: say when `--api`
/// overrides an environment's own `api`.
fn warn_overridden_apis(model: &Model, requested: &[String], url: &str) {
    for env in &model.environments {
        let verified = requested.is_empty() || requested.contains(&env.name);
        if let Some(own) = env
            .api
            .as_deref()
            .filter(|own| verified && !same_api(own, url))
        {
            crate::eprintln_redacted!(
                "warning: --api overrides the API that {} gives environment `{}` ({})",
                model.file,
                env.name,
                describe_url(own)
            );
        }
    }
}

/// Whether two API URLs name the same Cloud Controller (scheme, host and port).
fn same_api(a: &str, b: &str) -> bool {
    match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => a.trim_end_matches('/') == b.trim_end_matches('/'),
    }
}

/// A URL for messages: scheme, host and port only, never user info, path or query.
fn describe_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => "an unparsable URL".to_owned(),
    }
}
