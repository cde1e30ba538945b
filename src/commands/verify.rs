//! `archcheck verify`: flags become a checked plan (which environments, which captures),
//! then every capture is read, parsed and matched to its environment by its first line,
//! the API is asked when `--api` is given, and the verdict is reported.
//!
//! A capture for another space than the environment's is never used: that environment's
//! part becomes UNKNOWN, naming both spaces.

use crate::cli::VerifyArgs;
use crate::model::{Environment, Model};
use crate::observe::api::ApiOptions;
use crate::observe::cf_text::{self, Target};
use crate::observe::{AppEnvSeen, AppsSeen, Coverage, Observation, ServicesSeen};
use crate::render::RenderOptions;
use crate::report::ReportOptions;
use anyhow::{Context, bail};
use std::io::IsTerminal;

pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    let model = super::load_model(&args.model)?;
    let plan = Plan::from_args(args, &model)?;

    let mut captures = Vec::new();
    for input in &plan.inputs {
        captures.push(input.read_and_parse()?);
    }
    let mut observations = assign(&model, &plan, captures)?;

    if let Some(api) = &plan.api {
        let envs: Vec<&Environment> = observations
            .iter()
            .filter_map(|o| model.environment(&o.environment))
            .collect();
        match crate::observe::api::observe(&model, &envs, api) {
            Ok(seen) => {
                for o in seen {
                    if let Some(m) = observations
                        .iter_mut()
                        .find(|m| m.environment == o.environment)
                    {
                        m.merge(o);
                    }
                }
            }
            Err(e) => {
                let reason = format!("the Cloud Controller API could not be used: {e:#}");
                for m in &mut observations {
                    m.merge(Observation::unavailable(
                        &m.environment,
                        "Cloud Controller v3 API (failed)",
                        &reason,
                    ));
                }
            }
        }
    }

    let verdict = crate::verify::verify(&model, &observations);
    let color = use_color(
        args.output.is_some(),
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").is_some(),
    );
    let bytes = crate::report::render(
        &verdict,
        &model,
        &ReportOptions {
            format: args.format,
            color,
        },
    )?;
    super::write_output(args.output.as_deref(), &bytes)?;

    if let Some(path) = &args.diagram {
        let single = (observations.len() == 1).then(|| observations[0].environment.as_str());
        let dot = crate::render::dot(
            &model,
            &RenderOptions {
                env: single,
                verdict: Some(&verdict),
            },
        )
        .context("cannot draw the diagram")?;
        let svg = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let bytes = if svg {
            crate::render::svg(&dot).context("cannot draw the diagram as SVG")?
        } else {
            dot.into_bytes()
        };
        super::write_output(Some(path), &bytes)?;
    }
    Ok(verdict.status.exit_code())
}

/// Colour only in a report to a terminal, and never when `NO_COLOR` is set (to anything).
fn use_color(to_file: bool, stdout_is_terminal: bool, no_color_set: bool) -> bool {
    !to_file && stdout_is_terminal && !no_color_set
}

/// Which part of a space a capture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Services,
    Apps,
    Env,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::Services => "cf services",
            Kind::Apps => "cf apps",
            Kind::Env => "cf env",
        }
    }
    fn flag(self) -> &'static str {
        match self {
            Kind::Services => "--cf-services",
            Kind::Apps => "--cf-apps",
            Kind::Env => "--cf-env",
        }
    }
}

/// One capture to read.
#[derive(Debug, Clone)]
struct Input {
    kind: Kind,
    /// As given: a path, or `-`.
    name: String,
}

impl Input {
    fn label(&self) -> String {
        if self.name == "-" {
            "standard input".to_owned()
        } else {
            self.name.clone()
        }
    }

    fn read_and_parse(&self) -> anyhow::Result<Parsed> {
        let bytes = super::read_input(&self.name)
            .with_context(|| format!("cannot read {} {}", self.kind.flag(), self.name))?;
        let text = String::from_utf8_lossy(&bytes);
        // A UTF-8 byte order mark (PowerShell's `Out-File`, some editors) is no text.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let (target, layout, content) = match self.kind {
            Kind::Services => {
                let c = cf_text::parse_services(text);
                (c.target, c.layout, Content::Services(c.part))
            }
            Kind::Apps => {
                let c = cf_text::parse_apps(text);
                (c.target, c.layout, Content::Apps(c.part))
            }
            Kind::Env => {
                let c = cf_text::parse_env(text);
                (
                    c.target,
                    None,
                    Content::Env {
                        app: c.app,
                        bound: c.bound_instances,
                    },
                )
            }
        };
        let what = layout.unwrap_or_else(|| self.kind.command().to_owned());
        Ok(Parsed {
            kind: self.kind,
            file: self.label(),
            source: format!("{what} from {}", self.label()),
            target,
            content,
        })
    }
}

#[derive(Debug)]
enum Content {
    Services(Coverage<ServicesSeen>),
    Apps(Coverage<AppsSeen>),
    Env {
        app: Option<String>,
        bound: Coverage<Vec<String>>,
    },
}

/// A capture, parsed.
#[derive(Debug)]
struct Parsed {
    kind: Kind,
    file: String,
    /// e.g. `cf services (v8) from staging.txt`.
    source: String,
    target: Option<Target>,
    content: Content,
}

/// The checked plan: what to read, which environments were asked for, whether to ask the API.
struct Plan {
    inputs: Vec<Input>,
    /// `--env`, validated, without repeats.
    requested: Vec<String>,
    api: Option<ApiOptions>,
}

impl Plan {
    fn from_args(args: &VerifyArgs, model: &Model) -> anyhow::Result<Plan> {
        let mut requested: Vec<String> = Vec::new();
        for e in &args.envs {
            if model.environment(e).is_none() {
                bail!(
                    "{} has no environment `{e}`; its environments are: {}",
                    model.file,
                    describe_envs(model)
                );
            }
            if !requested.contains(e) {
                requested.push(e.clone());
            }
        }
        let inputs: Vec<Input> = [
            (Kind::Services, &args.cf_services),
            (Kind::Apps, &args.cf_apps),
            (Kind::Env, &args.cf_env),
        ]
        .into_iter()
        .flat_map(|(kind, names)| {
            names.iter().map(move |n| Input {
                kind,
                name: n.clone(),
            })
        })
        .collect();
        if inputs.is_empty() && args.api.is_none() {
            bail!(
                "nothing to verify against: give captured cf output with --cf-services FILE, \
                 --cf-apps FILE or --cf-env FILE (`-` reads standard input), or ask the API with \
                 --api; e.g. `cf services | archcheck verify {} --env {} --cf-services -`",
                args.model.display(),
                requested
                    .first()
                    .map(String::as_str)
                    .or(model.environment_names().first().copied())
                    .unwrap_or("ENV")
            );
        }
        let stdin: Vec<&Input> = inputs.iter().filter(|i| i.name == "-").collect();
        if stdin.len() > 1 {
            bail!(
                "standard input (`-`) can be read only once, but {} name it; save the other captures to files",
                stdin
                    .iter()
                    .map(|i| i.kind.flag())
                    .collect::<Vec<_>>()
                    .join(" and ")
            );
        }
        let api = args.api.as_ref().map(|url| ApiOptions {
            api: (!url.is_empty()).then(|| url.clone()),
            timeout: args.timeout,
            skip_ssl_validation: args.skip_ssl_validation,
            ca_cert: args.ca_cert.clone(),
            progress: std::io::stderr().is_terminal(),
        });
        if let Some(url) = args.api.as_deref().filter(|u| !u.is_empty()) {
            for env in &model.environments {
                let verified = requested.is_empty() || requested.contains(&env.name);
                if let Some(own) = env
                    .api
                    .as_deref()
                    .filter(|own| verified && !same_api(own, url))
                {
                    // The same space name on another foundation would verify the wrong space.
                    eprintln!(
                        "warning: --api overrides the API that {} gives environment `{}` ({})",
                        model.file,
                        env.name,
                        describe_url(own)
                    );
                }
            }
        }
        Ok(Plan {
            inputs,
            requested,
            api,
        })
    }
}

fn describe_envs(model: &Model) -> String {
    model
        .environments
        .iter()
        .map(|e| format!("{} (org {} / space {})", e.name, e.org, e.space))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_target(t: &Target) -> String {
    format!("org {} / space {}", t.org, t.space)
}

/// Matches each capture to an environment by its first line, refuses those for another
/// space, and returns one observation per environment to verify, in model order.
fn assign(model: &Model, plan: &Plan, captures: Vec<Parsed>) -> anyhow::Result<Vec<Observation>> {
    let mut accepted: Vec<(String, Parsed)> = Vec::new();
    let mut refused: Vec<(Parsed, Option<String>)> = Vec::new();
    for p in captures {
        let env = p.target.as_ref().and_then(|t| {
            model
                .environments
                .iter()
                .find(|e| e.org == t.org && e.space == t.space)
                .map(|e| e.name.clone())
        });
        match env {
            Some(e) if plan.requested.is_empty() || plan.requested.contains(&e) => {
                accepted.push((e, p))
            }
            other => refused.push((p, other)),
        }
    }

    // Environments to verify: --env, else those the captures name, else all (with --api).
    let envs: Vec<&Environment> = if !plan.requested.is_empty() {
        model
            .environments
            .iter()
            .filter(|e| plan.requested.contains(&e.name))
            .collect()
    } else if !accepted.is_empty() {
        model
            .environments
            .iter()
            .filter(|e| accepted.iter().any(|(n, _)| n == &e.name))
            .collect()
    } else if plan.api.is_some() {
        model.environments.iter().collect()
    } else {
        let (p, _) = refused
            .first()
            .expect("some capture was given when there is no --api");
        bail!(
            "{}: {}; nothing left to verify. Pass --env with one of: {}",
            p.file,
            refusal_subject(p, None, model),
            describe_envs(model)
        );
    };

    let mut observations: Vec<Observation> =
        envs.iter().map(|e| Observation::new(&e.name)).collect();
    let obs_of = |observations: &mut Vec<Observation>, name: &str| -> usize {
        observations
            .iter()
            .position(|o| o.environment == name)
            .expect("accepted environments are verified")
    };

    // Accepted captures, at most one of each kind (one per app for cf env) per environment.
    let mut seen_parts: Vec<(String, Kind, Option<String>, String)> = Vec::new();
    for (env, p) in accepted {
        let app = match &p.content {
            Content::Env { app: None, .. } => bail!(
                "{}: the first line does not name the app (expected `Getting env variables for app APP in org ORG / space SPACE as USER...`)",
                p.file
            ),
            Content::Env { app: Some(a), .. } => Some(a.clone()),
            _ => None,
        };
        if let Some((_, _, _, other)) = seen_parts
            .iter()
            .find(|(e, k, a, _)| e == &env && *k == p.kind && a == &app)
        {
            bail!(
                "two {} captures for environment {env}{}: {other} and {}; give one",
                p.kind.command(),
                app.as_deref()
                    .map(|a| format!(" (app {a})"))
                    .unwrap_or_default(),
                p.file
            );
        }
        seen_parts.push((env.clone(), p.kind, app, p.file.clone()));
        let i = obs_of(&mut observations, &env);
        let o = &mut observations[i];
        o.sources.push(p.source);
        match p.content {
            Content::Services(part) => o.services = part,
            Content::Apps(part) => o.apps = part,
            Content::Env { app, bound } => o.app_envs.push(AppEnvSeen {
                app: app.unwrap_or_default(),
                bound_instances: bound,
            }),
        }
    }

    // Refused captures make the part UNKNOWN for each environment to verify that has no
    // capture of that kind; never silently used, never silently dropped.
    for (p, named_env) in refused {
        let candidates: Vec<&&Environment> = envs
            .iter()
            .filter(|e| {
                p.kind == Kind::Env
                    || !seen_parts
                        .iter()
                        .any(|(n, k, _, _)| n == &e.name && *k == p.kind)
            })
            .collect();
        if candidates.is_empty() {
            bail!(
                "{}: {}; every environment to verify ({}) already has a {} capture",
                p.file,
                refusal_subject(&p, named_env.as_deref(), model),
                envs.iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                p.kind.command()
            );
        }
        for env in candidates {
            let parse_problem = match &p.content {
                Content::Services(Coverage::Unavailable { reason })
                | Content::Apps(Coverage::Unavailable { reason })
                | Content::Env {
                    bound: Coverage::Unavailable { reason },
                    ..
                } => Some(reason),
                _ => None,
            };
            let reason = match (&p.target, parse_problem) {
                // Not a capture of any space at all (empty, garbage, `FAILED`): say why.
                (None, Some(r)) => format!("{}: {r}", p.file),
                (_, problem) => {
                    let mut reason = format!(
                        "{} refused: {}; {} is org {} / space {}",
                        p.file,
                        refusal_subject(&p, named_env.as_deref(), model),
                        env.name,
                        env.org,
                        env.space
                    );
                    if let Some(r) = problem {
                        reason.push_str(&format!(" ({r})"));
                    }
                    reason
                }
            };
            let i = obs_of(&mut observations, &env.name);
            let o = &mut observations[i];
            o.sources.push(format!("{} (refused)", p.source));
            let unavailable = Coverage::Unavailable {
                reason: reason.clone(),
            };
            match &p.content {
                Content::Services(_) => {
                    o.services = merge_refusal(std::mem::take(&mut o.services), reason)
                }
                Content::Apps(_) => o.apps = merge_refusal(std::mem::take(&mut o.apps), reason),
                Content::Env { app, .. } => {
                    let Some(app) = app else {
                        bail!(
                            "{}: {}; and its first line does not name the app",
                            p.file,
                            refusal_subject(&p, named_env.as_deref(), model)
                        );
                    };
                    o.app_envs.push(AppEnvSeen {
                        app: app.clone(),
                        bound_instances: unavailable,
                    })
                }
            }
        }
    }
    Ok(observations)
}

/// A refusal joins any earlier one; it never replaces evidence silently (there is none here:
/// refusals only go to parts no accepted capture filled).
fn merge_refusal<T>(part: Coverage<T>, reason: String) -> Coverage<T> {
    match part {
        Coverage::Unavailable { reason: r } => Coverage::Unavailable {
            reason: format!("{r}; {reason}"),
        },
        _ => Coverage::Unavailable { reason },
    }
}

/// Why a capture was refused, naming the space it is for.
fn refusal_subject(p: &Parsed, named_env: Option<&str>, model: &Model) -> String {
    let cmd = p.kind.command();
    match (&p.target, named_env) {
        (None, _) => format!(
            "its first line does not name an org and space, so it cannot be matched to an environment of {}",
            model.file
        ),
        (Some(t), Some(e)) => format!(
            "it is `{cmd}` output for {} (environment {e}), which is not among the environments to verify",
            describe_target(t)
        ),
        (Some(t), None) => format!(
            "it is `{cmd}` output for {}, which no environment of {} has",
            describe_target(t),
            model.file
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::ObservedService;

    fn model() -> Model {
        crate::model::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/c2.json"
        )))
        .unwrap()
    }

    fn plan(requested: &[&str]) -> Plan {
        Plan {
            inputs: Vec::new(),
            requested: requested.iter().map(|s| s.to_string()).collect(),
            api: None,
        }
    }

    fn services(file: &str, space: Option<&str>) -> Parsed {
        Parsed {
            kind: Kind::Services,
            file: file.into(),
            source: format!("cf services (v8) from {file}"),
            target: space.map(|s| Target {
                org: "cap".into(),
                space: s.into(),
                user: None,
            }),
            content: Content::Services(Coverage::Seen(ServicesSeen {
                instances: vec![ObservedService {
                    name: "c2-staging-db".into(),
                    ..Default::default()
                }],
                ..Default::default()
            })),
        }
    }

    fn reason<T>(c: &Coverage<T>) -> &str {
        match c {
            Coverage::Unavailable { reason } => reason,
            _ => panic!("expected UNKNOWN"),
        }
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_color(false, true, false));
        assert!(!use_color(false, true, true));
        assert!(!use_color(false, false, false));
        assert!(!use_color(true, true, false));
    }

    #[test]
    fn a_capture_goes_to_the_environment_its_first_line_names() {
        let m = model();
        let obs = assign(&m, &plan(&[]), vec![services("s.txt", Some("staging"))]).unwrap();
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].environment, "staging");
        assert!(obs[0].services.seen().is_some());
        assert_eq!(obs[0].sources, vec!["cf services (v8) from s.txt"]);
    }

    #[test]
    fn output_for_another_space_than_the_env_given_is_refused_naming_both() {
        let m = model();
        let obs = assign(
            &m,
            &plan(&["staging"]),
            vec![services("dev.txt", Some("dev"))],
        )
        .unwrap();
        assert_eq!(obs.len(), 1);
        let r = reason(&obs[0].services);
        assert!(r.contains("org cap / space dev (environment dev)"), "{r}");
        assert!(r.contains("staging is org cap / space staging"), "{r}");
        assert!(r.starts_with("dev.txt refused"), "{r}");
        // Its content is never used.
        let v = crate::verify::verify(&m, &obs);
        assert_eq!(v.status, crate::verify::Status::Unknown);
    }

    #[test]
    fn output_for_a_space_the_model_lacks_is_refused() {
        let m = model();
        let obs = assign(
            &m,
            &plan(&["staging"]),
            vec![services("x.txt", Some("sandbox"))],
        )
        .unwrap();
        let r = reason(&obs[0].services);
        assert!(
            r.contains("org cap / space sandbox, which no environment"),
            "{r}"
        );
        assert!(r.contains("staging is org cap / space staging"), "{r}");
    }

    #[test]
    fn a_capture_without_a_target_is_refused_for_the_env_given() {
        let m = model();
        let obs = assign(&m, &plan(&["staging"]), vec![services("x.txt", None)]).unwrap();
        let r = reason(&obs[0].services);
        assert!(r.contains("does not name an org and space"), "{r}");
    }

    #[test]
    fn a_capture_that_is_no_capture_says_why_first() {
        let m = model();
        let mut p = services("s.txt", None);
        p.content = Content::Services(Coverage::Unavailable {
            reason: "cf reported FAILED at line 1: Not logged in.".into(),
        });
        let obs = assign(&m, &plan(&["staging"]), vec![p]).unwrap();
        assert_eq!(
            reason(&obs[0].services),
            "s.txt: cf reported FAILED at line 1: Not logged in."
        );
    }

    #[test]
    fn without_env_an_unmatched_capture_is_an_error() {
        let m = model();
        let e = assign(&m, &plan(&[]), vec![services("x.txt", Some("sandbox"))]).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("x.txt"), "{msg}");
        assert!(
            msg.contains("Pass --env with one of: dev (org cap / space dev)"),
            "{msg}"
        );
    }

    #[test]
    fn a_refused_capture_beside_a_matching_one_is_an_error_not_dropped() {
        let m = model();
        let e = assign(
            &m,
            &plan(&[]),
            vec![
                services("s.txt", Some("staging")),
                services("x.txt", Some("sandbox")),
            ],
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("x.txt"));
    }

    #[test]
    fn two_captures_of_one_part_for_one_environment_are_an_error() {
        let m = model();
        let e = assign(
            &m,
            &plan(&[]),
            vec![
                services("a.txt", Some("staging")),
                services("b.txt", Some("staging")),
            ],
        )
        .unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("a.txt and b.txt"), "{msg}");
    }

    #[test]
    fn every_env_given_gets_an_observation_even_without_a_capture() {
        let m = model();
        let obs = assign(
            &m,
            &plan(&["prod", "staging"]),
            vec![services("s.txt", Some("staging"))],
        )
        .unwrap();
        let names: Vec<&str> = obs.iter().map(|o| o.environment.as_str()).collect();
        assert_eq!(names, vec!["staging", "prod"]);
        let v = crate::verify::verify(&m, &obs);
        assert_eq!(v.environments[1].status, crate::verify::Status::Unknown);
    }

    #[test]
    fn refused_cf_env_output_keeps_the_app_name_and_is_unknown() {
        let m = model();
        let p = Parsed {
            kind: Kind::Env,
            file: "env.txt".into(),
            source: "cf env from env.txt".into(),
            target: Some(Target {
                org: "cap".into(),
                space: "dev".into(),
                user: None,
            }),
            content: Content::Env {
                app: Some("c2-dev-worker".into()),
                bound: Coverage::Seen(vec!["c2-dev-db".into()]),
            },
        };
        let obs = assign(&m, &plan(&["staging"]), vec![p]).unwrap();
        assert_eq!(obs[0].app_envs.len(), 1);
        assert!(reason(&obs[0].app_envs[0].bound_instances).contains("space dev"));
    }
}
