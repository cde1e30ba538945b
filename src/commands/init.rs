//! `archcheck init`: read each `--manifest` group's manifest with its variables, find each
//! environment's organization and space (given, or the cf CLI's target), draft the model,
//! and check the draft before writing it: it must load, and each manifest is checked against
//! it as `manifest --check` would (the outcome on stderr).

use super::read_text;
use crate::cli::{InitArgs, InitGroup};
use crate::init::{self, EnvInput, Options};
use crate::manifest::{self, Vars};
use crate::observe::Coverage;
use crate::observe::api::ApiOptions;
use crate::observe::api::auth::CredentialEnv;
use crate::observe::api::cf_config;
use crate::verify::Status;
use anyhow::Context;
use std::io::{IsTerminal, Write};
use std::path::Path;

pub(crate) fn run(args: &InitArgs) -> anyhow::Result<u8> {
    run_with(args, &CredentialEnv::from_process()?)
}

/// [`run`] with the cf CLI's home given (tests).
pub(crate) fn run_with(args: &InitArgs, cred_env: &CredentialEnv) -> anyhow::Result<u8> {
    if let Some(out) = &args.output
        && out.exists()
        && !args.force
    {
        anyhow::bail!(
            "{} exists: archcheck init never overwrites a file; give another -o FILE, or --force to replace it",
            out.display()
        );
    }
    if let Some(system) = &args.system
        && !valid_name(system)
    {
        anyhow::bail!(
            "--system `{system}` is not a valid system name: use letters, digits, `-` and `_`, e.g. --system c2"
        );
    }
    let mut envs = environments(&args.groups, cred_env)?;
    if let Some(url) = &args.from_api {
        read_live(&mut envs, url, args)?;
    }
    let draft = init::draft(
        &envs,
        &Options {
            system: args.system.clone(),
            schema_ref: args.schema_ref.clone(),
        },
    )?;
    let mut json = serde_json::to_string_pretty(&draft.spec).context("cannot write the model")?;
    json.push('\n');

    // The draft must be a model, and each manifest must check against it as it is.
    let name = args.output.as_ref().map_or_else(
        || "(the drafted model)".to_owned(),
        |p| p.display().to_string(),
    );
    let model = crate::model::load_str(&name, &json).map_err(|e| {
        anyhow::anyhow!(
            "archcheck init drafted a model that does not load (a bug: please report it with the manifests' shape):\n{e}"
        )
    })?;
    let mut report = Vec::new();
    for e in &envs {
        let env = model.require_environment(&e.name)?;
        for (m, _) in &e.manifests {
            let v = manifest::verdict(&model, env, m);
            let mut line = format!(
                "{} checked against the draft's environment {} (as `archcheck manifest --check` checks it): {}",
                m.file,
                e.name,
                v.status.as_str()
            );
            for c in v.checks.iter().filter(|c| c.status != Status::Ok) {
                line.push_str(&format!("\n  {}  {}", c.status.as_str(), c.message));
            }
            report.push(line);
        }
    }

    match &args.output {
        Some(path) => write_new(path, json.as_bytes(), args.force)?,
        None => super::write_output(None, json.as_bytes())?,
    }
    for note in &draft.notes {
        crate::eprintln_redacted!("note: {note}");
    }
    for line in &report {
        crate::eprintln_redacted!("{line}");
    }
    let marks = model.warnings.len();
    let target = args
        .output
        .as_ref()
        .map_or_else(|| "MODEL".to_owned(), |p| p.display().to_string());
    crate::eprintln_redacted!(
        "drafted system `{}`: {} environments, {} apps, {} service instances; {marks} guessed or observed values to review (`archcheck check {target}` lists them, and warns until each mark is removed)",
        model.system,
        model.environments.len(),
        model.spec.apps.len(),
        model.spec.services.len(),
    );
    Ok(0)
}

/// Reads each environment's live space through the API (`--from-api`). A space that cannot
/// be read is an error: the draft would silently lack what was asked for.
fn read_live(envs: &mut [EnvInput], url: &str, args: &InitArgs) -> anyhow::Result<()> {
    use crate::model::spec::{FORMAT_VERSION, ModelSpec};
    // The spaces to read, as a model of environments only (the API source reads whole spaces).
    let spec = ModelSpec {
        schema: None,
        version: FORMAT_VERSION,
        system: "init".to_owned(),
        description: None,
        environments: envs.iter().map(|e| (e.name.clone(), e.spec())).collect(),
        apps: Default::default(),
        services: Default::default(),
        externals: Default::default(),
    };
    let spaces = crate::model::resolve::resolve("(the spaces to read)", spec).map_err(|p| {
        anyhow::anyhow!(
            "cannot read the live spaces: {}",
            p.iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let options = ApiOptions {
        api: (!url.is_empty()).then(|| url.to_owned()),
        timeout: args.timeout,
        skip_ssl_validation: args.skip_ssl_validation,
        ca_cert: args.ca_cert.clone(),
        progress: std::io::stderr().is_terminal(),
        credentials: None,
        follow: Default::default(),
        budget: Default::default(),
    };
    let targets: Vec<&crate::model::Environment> = spaces.environments.iter().collect();
    let observations =
        super::runtime()?.block_on(crate::observe::api::observe(&spaces, &targets, &options))?;
    for o in observations {
        let env = envs
            .iter_mut()
            .find(|e| e.name == o.environment)
            .expect("observed what was asked");
        let unreadable = |part: &str, reason: &str| {
            anyhow::anyhow!(
                "--from-api: cannot read the {part} of environment {} (org {} / space {}): {reason}; without --from-api, init drafts from the manifests alone",
                env.name,
                env.org,
                env.space
            )
        };
        let services = match &o.services {
            Coverage::Seen(s) => s.instances.clone(),
            Coverage::Unavailable { reason } => {
                return Err(unreadable("service instances", reason));
            }
            Coverage::NotCovered => return Err(unreadable("service instances", "not read")),
        };
        let apps = match &o.apps {
            Coverage::Seen(a) => a.apps.clone(),
            Coverage::Unavailable { reason } => return Err(unreadable("apps", reason)),
            Coverage::NotCovered => return Err(unreadable("apps", "not read")),
        };
        // e.g. `Cloud Controller https://api.example.gov (space cap/staging)`.
        let at = o
            .sources
            .first()
            .cloned()
            .unwrap_or_else(|| format!("the API (space {}/{})", env.org, env.space));
        env.live = Some(init::Live {
            source: at,
            services,
            apps,
        });
    }
    Ok(())
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The environments of the groups, in the order they are first named, each with its
/// manifests read and its organization and space.
fn environments(groups: &[InitGroup], cred_env: &CredentialEnv) -> anyhow::Result<Vec<EnvInput>> {
    let mut envs: Vec<(EnvInput, Option<String>, Option<String>)> = Vec::new();
    for g in groups {
        if !valid_name(&g.env) {
            anyhow::bail!(
                "--env `{}` (for --manifest {}) is not a valid environment name: use letters, digits, `-` and `_`, e.g. --env staging",
                g.env,
                g.manifest.display()
            );
        }
        let mut vars = Vars::new();
        for f in &g.vars_files {
            let text = read_text(f, "vars file")?;
            vars.add_file(&f.display().to_string(), &text)?;
        }
        for v in &g.vars {
            vars.add_var(v)?;
        }
        let text = read_text(&g.manifest, "manifest")?;
        let m = manifest::read(&g.manifest.display().to_string(), &text, &vars)?;
        let i = match envs.iter().position(|(e, ..)| e.name == g.env) {
            Some(i) => i,
            None => {
                envs.push((
                    EnvInput {
                        name: g.env.clone(),
                        org: String::new(),
                        space: String::new(),
                        target_guess: None,
                        manifests: Vec::new(),
                        live: None,
                    },
                    None,
                    None,
                ));
                envs.len() - 1
            }
        };
        let (env, org, space) = &mut envs[i];
        for (slot, given, what) in [(org, &g.org, "--org"), (space, &g.space, "--space")] {
            match (slot.as_ref(), given) {
                (Some(a), Some(b)) if a != b => anyhow::bail!(
                    "environment `{}` is given {what} `{a}` and {what} `{b}` (with --manifest {}): one environment is one space; give it once",
                    g.env,
                    g.manifest.display()
                ),
                (None, Some(b)) => *slot = Some(b.clone()),
                _ => {}
            }
        }
        env.manifests.push((m, g.default_domain.clone()));
    }

    let mut from_target = Vec::new();
    let mut out = Vec::new();
    for (mut env, org, space) in envs {
        match (org, space) {
            (Some(o), Some(s)) => {
                env.org = o;
                env.space = s;
            }
            (None, None) => from_target.push(env.name.clone()),
            (o, _) => anyhow::bail!(
                "environment `{}` has {} but no {}: give both, or --target ORG/SPACE",
                env.name,
                if o.is_some() { "--org" } else { "--space" },
                if o.is_some() { "--space" } else { "--org" }
            ),
        }
        out.push(env);
    }
    match from_target.as_slice() {
        [] => {}
        [name] => {
            let (org, space, why) = cf_target(cred_env, name)?;
            let env = out.iter_mut().find(|e| &e.name == name).expect("listed");
            env.org = org;
            env.space = space;
            env.target_guess = Some(why);
        }
        names => anyhow::bail!(
            "environments {} have no --org/--space or --target; the cf CLI's target can be only one environment's: give --target ORG/SPACE after the --env of each",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
    Ok(out)
}

/// The organization and space the cf CLI targets, and the review note saying so.
fn cf_target(cred_env: &CredentialEnv, env: &str) -> anyhow::Result<(String, String, String)> {
    let hint = format!("give --target ORG/SPACE (or --org and --space) after --env {env}");
    let Some(path) = cred_env.config_path() else {
        anyhow::bail!(
            "environment `{env}` has no --org/--space, and there is no cf CLI config to take its target from (neither CF_HOME nor HOME is set): {hint}"
        );
    };
    let config = cf_config::read(&path)?.ok_or_else(|| {
        anyhow::anyhow!(
            "environment `{env}` has no --org/--space, and the cf CLI has no config at {} to take its target from: {hint}, or `cf login` and `cf target -o ORG -s SPACE` first",
            path.display()
        )
    })?;
    let org = config.organization_fields.name.trim().to_owned();
    let space = config.space_fields.name.trim().to_owned();
    if org.is_empty() || space.is_empty() {
        anyhow::bail!(
            "environment `{env}` has no --org/--space, and the cf CLI config {} targets no {}: {hint}, or `cf target -o ORG -s SPACE` first",
            path.display(),
            if org.is_empty() {
                "organization"
            } else {
                "space"
            }
        );
    }
    let why = format!(
        "the cf CLI's target (org {org} / space {space} in {}) when archcheck init ran: make sure it is environment {env}'s",
        path.display()
    );
    Ok((org, space, why))
}

/// Writes a new file; an existing one only with `force` (checked again here: the file may
/// have appeared since).
fn write_new(path: &Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    if force {
        return super::write_output(Some(path), bytes);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow::anyhow!(
                    "{} exists: archcheck init never overwrites a file; give another -o FILE, or --force to replace it",
                    path.display()
                )
            } else {
                anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
            }
        })?;
    f.write_all(&crate::secret::redact_bytes(bytes))
        .with_context(|| format!("cannot write {}", path.display()))
}
