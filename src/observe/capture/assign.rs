//! Matching captures to environments by their first line (`Getting ... in org ORG / space
//! SPACE as USER...`): accepted captures become the environment's evidence; refused ones
//! (another space, no target, an environment not asked for) become UNKNOWN parts, never
//! silently used and never silently dropped.

use super::{CaptureContent, CaptureError, CaptureKind, ParsedCapture};
use crate::model::{Environment, Model};
use crate::observe::cf_text::Target;
use crate::observe::{AppEnvSeen, Coverage, Observation};

/// Which environments a run verifies, besides those its captures name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// `--env`, validated, without repeats; empty means "those the captures name".
    pub requested: Vec<String>,
    /// Whether the API observes too (then, with nothing requested and nothing matched, every
    /// environment is verified).
    pub api: bool,
}

/// Matches each capture to an environment by its first line, refuses those for another
/// space, and returns one observation per environment to verify, in model order.
pub(crate) fn assign(
    model: &Model,
    selection: &Assignment,
    captures: Vec<ParsedCapture>,
) -> Result<Vec<Observation>, CaptureError> {
    let (accepted, refused) = split(model, selection, captures);
    let envs = environments_to_verify(model, selection, &accepted, &refused)?;
    let mut observations: Vec<Observation> =
        envs.iter().map(|e| Observation::new(&e.name)).collect();
    let parts = place_accepted(&mut observations, accepted)?;
    place_refused(model, &envs, &parts, &mut observations, refused)?;
    Ok(observations)
}

/// An accepted capture's place: environment, kind, app (for `cf env`), file.
struct Placed {
    environment: String,
    kind: CaptureKind,
    app: Option<String>,
    file: String,
}

/// A refused capture, with the environment its first line names when the model has one.
type Refused = (ParsedCapture, Option<String>);

fn split(
    model: &Model,
    selection: &Assignment,
    captures: Vec<ParsedCapture>,
) -> (Vec<(String, ParsedCapture)>, Vec<Refused>) {
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    for p in captures {
        let env = p.target.as_ref().and_then(|t| {
            model
                .environments
                .iter()
                .find(|e| {
                    crate::cf_name::same(&e.org, &t.org) && crate::cf_name::same(&e.space, &t.space)
                })
                .map(|e| e.name.clone())
        });
        match env {
            Some(e) if selection.requested.is_empty() || selection.requested.contains(&e) => {
                accepted.push((e, p));
            }
            other => refused.push((p, other)),
        }
    }
    (accepted, refused)
}

/// `--env`, else the environments the captures name, else all (with the API).
fn environments_to_verify<'m>(
    model: &'m Model,
    selection: &Assignment,
    accepted: &[(String, ParsedCapture)],
    refused: &[Refused],
) -> Result<Vec<&'m Environment>, CaptureError> {
    let envs: Vec<&Environment> = if !selection.requested.is_empty() {
        model
            .environments
            .iter()
            .filter(|e| selection.requested.contains(&e.name))
            .collect()
    } else if !accepted.is_empty() {
        model
            .environments
            .iter()
            .filter(|e| accepted.iter().any(|(n, _)| n == &e.name))
            .collect()
    } else if selection.api || refused.is_empty() {
        model.environments.iter().collect()
    } else {
        let (p, _) = &refused[0];
        return Err(CaptureError::NothingToVerify {
            file: p.file.clone(),
            subject: refusal_subject(p, None, model),
            environments: describe_environments(model),
        });
    };
    Ok(envs)
}

/// Accepted captures, at most one of each kind (one per app for `cf env`) per environment.
fn place_accepted(
    observations: &mut [Observation],
    accepted: Vec<(String, ParsedCapture)>,
) -> Result<Vec<Placed>, CaptureError> {
    let mut placed: Vec<Placed> = Vec::new();
    for (env, p) in accepted {
        let app = match &p.content {
            CaptureContent::Env { app: None, .. } => {
                return Err(CaptureError::EnvWithoutApp { file: p.file });
            }
            CaptureContent::Env { app: Some(a), .. } => Some(a.clone()),
            _ => None,
        };
        if let Some(other) = placed.iter().find(|q| {
            q.environment == env
                && q.kind == p.kind
                && match (&q.app, &app) {
                    (Some(a), Some(b)) => crate::cf_name::same(a, b),
                    (a, b) => a == b,
                }
        }) {
            return Err(CaptureError::Duplicate {
                command: p.kind.command(),
                environment: env,
                app,
                first: other.file.clone(),
                second: p.file,
            });
        }
        placed.push(Placed {
            environment: env.clone(),
            kind: p.kind,
            app,
            file: p.file.clone(),
        });
        let o = observation_of(observations, &env);
        o.sources.push(p.source);
        match p.content {
            CaptureContent::Services(part) => o.services = part,
            CaptureContent::Apps(part) => o.apps = part,
            CaptureContent::Env { app, bound } => o.app_envs.push(AppEnvSeen {
                app: app.unwrap_or_default(),
                bound_instances: bound,
            }),
        }
    }
    Ok(placed)
}

/// Refused captures make the part UNKNOWN for each environment to verify that has no
/// capture of that kind.
fn place_refused(
    model: &Model,
    envs: &[&Environment],
    placed: &[Placed],
    observations: &mut [Observation],
    refused: Vec<Refused>,
) -> Result<(), CaptureError> {
    for (p, named_env) in refused {
        let subject = refusal_subject(&p, named_env.as_deref(), model);
        let candidates: Vec<&&Environment> = envs
            .iter()
            .filter(|e| {
                p.kind == CaptureKind::Env
                    || !placed
                        .iter()
                        .any(|q| q.environment == e.name && q.kind == p.kind)
            })
            .collect();
        if candidates.is_empty() {
            return Err(CaptureError::Unplaceable {
                file: p.file.clone(),
                subject,
                environments: envs
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                command: p.kind.command(),
            });
        }
        for env in candidates {
            let reason = refusal_reason(&p, &subject, env);
            let o = observation_of(observations, &env.name);
            o.sources.push(format!("{} (refused)", p.source));
            match &p.content {
                CaptureContent::Services(_) => {
                    o.services = merge_refusal(std::mem::take(&mut o.services), reason);
                }
                CaptureContent::Apps(_) => {
                    o.apps = merge_refusal(std::mem::take(&mut o.apps), reason);
                }
                CaptureContent::Env { app, .. } => {
                    let Some(app) = app else {
                        return Err(CaptureError::RefusedEnvWithoutApp {
                            file: p.file.clone(),
                            subject,
                        });
                    };
                    o.app_envs.push(AppEnvSeen {
                        app: app.clone(),
                        bound_instances: Coverage::Unavailable { reason },
                    });
                }
            }
        }
    }
    Ok(())
}

/// The UNKNOWN reason a refused capture leaves in `env`.
fn refusal_reason(p: &ParsedCapture, subject: &str, env: &Environment) -> String {
    match (&p.target, p.content.unreadable_reason()) {
        // Not a capture of any space at all (empty, garbage, `FAILED`): say why.
        (None, Some(r)) => format!("{}: {r}", p.file),
        (_, problem) => {
            let mut reason = format!(
                "{} refused: {subject}; {} is org {} / space {}",
                p.file, env.name, env.org, env.space
            );
            if let Some(r) = problem {
                reason.push_str(&format!(" ({r})"));
            }
            reason
        }
    }
}

fn observation_of<'o>(observations: &'o mut [Observation], name: &str) -> &'o mut Observation {
    observations
        .iter_mut()
        .find(|o| o.environment == name)
        .expect("captures are placed only in environments to verify")
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
fn refusal_subject(p: &ParsedCapture, named_env: Option<&str>, model: &Model) -> String {
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

fn describe_target(t: &Target) -> String {
    format!("org {} / space {}", t.org, t.space)
}

/// The model's environments with their org and space, for messages.
fn describe_environments(model: &Model) -> String {
    model
        .environments
        .iter()
        .map(|e| format!("{} (org {} / space {})", e.name, e.org, e.space))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::{ObservedService, ServicesSeen};

    fn model() -> Model {
        crate::model::c2_for_tests()
    }

    fn plan(requested: &[&str]) -> Assignment {
        Assignment {
            requested: requested.iter().map(|s| s.to_string()).collect(),
            api: false,
        }
    }

    fn services(file: &str, space: Option<&str>) -> ParsedCapture {
        ParsedCapture {
            kind: CaptureKind::Services,
            file: file.into(),
            source: format!("cf services (v8) from {file}"),
            target: space.map(|s| Target {
                org: "cap".into(),
                space: s.into(),
                user: None,
            }),
            content: CaptureContent::Services(Coverage::Seen(ServicesSeen {
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
        p.content = CaptureContent::Services(Coverage::Unavailable {
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
        let p = ParsedCapture {
            kind: CaptureKind::Env,
            file: "env.txt".into(),
            source: "cf env from env.txt".into(),
            target: Some(Target {
                org: "cap".into(),
                space: "dev".into(),
                user: None,
            }),
            content: CaptureContent::Env {
                app: Some("c2-dev-worker".into()),
                bound: Coverage::Seen(vec!["c2-dev-db".into()]),
            },
        };
        let obs = assign(&m, &plan(&["staging"]), vec![p]).unwrap();
        assert_eq!(obs[0].app_envs.len(), 1);
        assert!(reason(&obs[0].app_envs[0].bound_instances).contains("space dev"));
    }
}
