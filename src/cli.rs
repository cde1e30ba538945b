//! Command-line arguments as typed by the user (clap). Each command's module turns these into
//! a checked plan before doing any I/O.

// clap's derive turns doc comments into `--help` text, so here a doc comment is help, checked
// by the help snapshots (tests/it/snapshots): an argument struct or value without one is
// documented by its command's help, and adding one would change what users see.
#![allow(missing_docs)]

pub use crate::cf_layout::{CfCommand, CliVersion};
pub use crate::report::ReportFormat;
use crate::secret::Secret;
use crate::sim::Scenario;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Domain enums that arguments take, made clap values here so that the domain modules never
/// depend on the command line: `value_enum!(Type { Variant => "name", ... })`.
macro_rules! value_enum {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(<$ty>::$variant),+]
            }
            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $(<$ty>::$variant => PossibleValue::new($name)),+
                })
            }
        }
    };
}

value_enum!(CfCommand { Services => "services", Apps => "apps" });
value_enum!(CliVersion { V6 => "v6", V7 => "v7", V8 => "v8" });
value_enum!(ReportFormat { Text => "text", Json => "json", Junit => "junit", Nagios => "nagios" });

/// When to colour output: `auto` colours a terminal unless `NO_COLOR` is set
/// (`CLICOLOR_FORCE` colours even a pipe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorWhen {
    /// A terminal, unless NO_COLOR is set; anything with CLICOLOR_FORCE set (not `0`).
    #[default]
    Auto,
    /// Always, even into a pipe (never into a file written with --output).
    Always,
    /// Never.
    Never,
}

/// Keep a Cloud Foundry system's expected state in one model; render it, document it, and
/// verify the live platform against it, every binding as its own edge.
#[derive(Debug, Parser)]
#[command(
    name = "archcheck",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// When to colour output: auto (a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces
    /// it), always, or never.
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Whether the command reports as a Nagios/Icinga plugin (`--format nagios`), so that an
    /// error prints the plugin's status line too.
    pub fn reports_nagios(&self) -> bool {
        match &self.command {
            Command::Verify(a) => a.format == ReportFormat::Nagios,
            Command::Manifest(a) => a.check.is_some() && a.format == ReportFormat::Nagios,
            _ => false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a model; with --fresh, also fail when generated files are stale; with
    /// --against, when the change removes or weakens an expectation not acknowledged.
    Check(CheckArgs),
    /// Draft a first model from the team's manifests, what they cannot say marked as guesses.
    Init(InitArgs),
    /// Draw the architecture diagram of the expected state (DOT, Mermaid or SVG).
    Render(RenderArgs),
    /// Print what a healthy `cf services` or `cf apps` prints for an environment.
    Expect(ExpectArgs),
    /// Write living documentation: Markdown, Mermaid, DOT, SVG and expected outputs.
    Docs(DocsArgs),
    /// Verify the live state (captured cf output or the v3 API) against the model.
    Verify(VerifyArgs),
    /// Write the CF manifest for an environment, or check an existing one against the model.
    Manifest(ManifestArgs),
    /// Run a simulated Cloud Controller (v3 API and UAA) built from a model.
    Sim(SimArgs),
    /// Verify on a schedule against the live API; serve /metrics, /healthz and /status, and
    /// post a webhook whenever an environment or one of its checks changes status.
    Watch(WatchArgs),
    /// Print the timeline and outage windows a `watch --state FILE` recorded.
    History(HistoryArgs),
    /// Print the JSON Schema of the model format.
    Schema,
    /// Print shell completions.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The model file, e.g. models/c2.json.
    pub model: PathBuf,
    /// Also fail (exit 3) when the generated diagrams and docs in DIR differ from the model's.
    #[arg(long, value_name = "DIR")]
    pub fresh: Option<PathBuf>,
    /// The ratchet: list every expectation the change from OLD removes or weakens (apps,
    /// services, bindings, critical bindings, instances, environments, routes) and exit 1
    /// unless each is acknowledged. OLD is a model file, or REV:PATH read with `git show`
    /// (e.g. "$(git merge-base origin/main HEAD):models/c2.json").
    #[arg(long, value_name = "OLD")]
    pub against: Option<String>,
    /// A file of acknowledged removals: one id a line (as the ratchet lists them), optionally
    /// followed by a reason; `#` comments (repeatable).
    #[arg(long = "allow", value_name = "FILE", requires = "against")]
    pub allow: Vec<PathBuf>,
    /// Also acknowledge the ids in `Archcheck-Allow: ID reason` trailers of the commits from
    /// the --against REV to HEAD.
    #[arg(long, requires = "against")]
    pub allow_trailers: bool,
}

/// How `archcheck init` groups its per-manifest options; printed by `init --help`.
pub const INIT_GROUPS_HELP: &str = "\
Options belong to manifests by their order: each --manifest FILE starts a group, and the
--env, --vars-file, --var, --org, --space, --target and --default-domain after it, up to the
next --manifest, are that manifest's. Each group names exactly one --env. A manifest deployed
to several environments is given once per environment, with that environment's variables; an
environment deployed from several manifests (one per app) names the --env after each, and
needs its --org/--space (or --target) only once:

  archcheck init --system c2 \\
    --manifest manifest.yml --env staging --vars-file vars/staging.yml --target cap/staging \\
    --manifest manifest.yml --env prod --vars-file vars/prod.yml --target cap/prod \\
    -o models/c2.json

An environment without --org/--space or --target takes the cf CLI's target
($CF_HOME/.cf/config.json, after `cf target -o ORG -s SPACE`), marked as a guess; only one
environment can.";

#[derive(Debug, Args)]
#[command(after_long_help = INIT_GROUPS_HELP)]
pub struct InitArgs {
    /// A manifest the team pushes with (repeatable). Starts a group: the options after it, up
    /// to the next --manifest, are its own (see --help).
    #[arg(long = "manifest", value_name = "FILE", required = true)]
    pub manifests: Vec<PathBuf>,
    /// The environment the manifest before it deploys to, e.g. staging: one in each group.
    #[arg(long = "env", value_name = "NAME", required = true)]
    pub envs: Vec<String>,
    /// Variables for the manifest's ((var)) interpolation, as `cf push --vars-file` (repeatable
    /// in a group).
    #[arg(long = "vars-file", value_name = "FILE")]
    pub vars_files: Vec<PathBuf>,
    /// A variable for the manifest's interpolation, KEY=VALUE, as `cf push --var` (repeatable
    /// in a group).
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
    /// The environment's Cloud Foundry organization.
    #[arg(long = "org", value_name = "ORG")]
    pub orgs: Vec<String>,
    /// The environment's Cloud Foundry space.
    #[arg(long = "space", value_name = "SPACE")]
    pub spaces: Vec<String>,
    /// The environment's organization and space at once.
    #[arg(long = "target", value_name = "ORG/SPACE")]
    pub targets: Vec<String>,
    /// The domain of routes the manifest leaves to the org's default domain (an app without
    /// `routes:` or `no-route`, a `host:` without `domain:`), e.g. app.cloud.gov.
    #[arg(long = "default-domain", value_name = "DOMAIN")]
    pub default_domains: Vec<String>,
    /// The system's short name (default: the first word every app name shares, e.g. c2 for
    /// c2-staging and c2-staging-worker).
    #[arg(long, value_name = "NAME")]
    pub system: Option<String>,
    /// What the model's "$schema" says, for editors (write the schema there with `archcheck
    /// schema`).
    #[arg(long, value_name = "PATH|URL", default_value = "model-v1.schema.json")]
    pub schema_ref: String,
    /// Write the model to FILE instead of standard output; never over an existing file
    /// without --force.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the --output file when it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Also read each environment's live space through the Cloud Controller v3 API (URL
    /// optional: the cf CLI's saved target; token as for `verify --api`): the offering and plan
    /// of each instance, routes the manifests lack. Every value taken from it is marked
    /// `observed` for review.
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub from_api: Option<String>,
    /// Deadline for reading the API (with --from-api).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Do not verify TLS certificates (with --from-api; prints a warning).
    #[arg(long, requires = "from_api")]
    pub skip_ssl_validation: bool,
    /// An extra root certificate (PEM) to trust (with --from-api).
    #[arg(long, value_name = "FILE", requires = "from_api")]
    pub ca_cert: Option<PathBuf>,
    /// The groups, in order, from where each option stood (set by
    /// [`Cli::try_parse_ordered_from`]).
    #[arg(skip)]
    pub groups: Vec<InitGroup>,
}

/// One `--manifest FILE` of `archcheck init` and the options that followed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitGroup {
    pub manifest: PathBuf,
    pub env: String,
    pub vars_files: Vec<PathBuf>,
    pub vars: Vec<String>,
    pub org: Option<String>,
    pub space: Option<String>,
    pub default_domain: Option<String>,
}

impl Cli {
    /// Parses the command line as [`Parser::try_parse_from`] does, then what depends on where
    /// each option stands (the groups of `init`). `main` parses with this.
    pub fn try_parse_ordered_from<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        let mut command = Cli::command();
        let matches = command.try_get_matches_from_mut(args)?;
        let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.with_cmd(&command))?;
        if let Command::Init(init) = &mut cli.command
            && let Some(sub) = matches.subcommand_matches("init")
        {
            let init_cmd = command.find_subcommand_mut("init").expect("init exists");
            init.groups = init_groups(sub).map_err(|message| {
                clap::Error::raw(ErrorKind::ArgumentConflict, format!("{message}\n"))
                    .with_cmd(init_cmd)
            })?;
        }
        Ok(cli)
    }
}

/// The groups of `init` from the positions of its options (see [`INIT_GROUPS_HELP`]).
fn init_groups(m: &clap::ArgMatches) -> Result<Vec<InitGroup>, String> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Opt {
        Manifest,
        Env,
        VarsFile,
        Var,
        Org,
        Space,
        Target,
        DefaultDomain,
    }
    let ids = [
        ("manifests", Opt::Manifest, "--manifest"),
        ("envs", Opt::Env, "--env"),
        ("vars_files", Opt::VarsFile, "--vars-file"),
        ("vars", Opt::Var, "--var"),
        ("orgs", Opt::Org, "--org"),
        ("spaces", Opt::Space, "--space"),
        ("targets", Opt::Target, "--target"),
        ("default_domains", Opt::DefaultDomain, "--default-domain"),
    ];
    let mut items: Vec<(usize, Opt, &str, String)> = Vec::new();
    for (id, opt, flag) in ids {
        let (Some(indices), Some(values)) = (m.indices_of(id), m.get_raw(id)) else {
            continue;
        };
        for (i, v) in indices.zip(values) {
            items.push((i, opt, flag, v.to_string_lossy().into_owned()));
        }
    }
    items.sort_by_key(|(i, ..)| *i);
    let mut groups: Vec<InitGroup> = Vec::new();
    let mut envs_in_group = 0;
    let close = |g: Option<&InitGroup>, envs: usize| match g {
        Some(g) if envs == 0 => Err(format!(
            "--manifest {} has no --env after it: name the environment it deploys to, e.g. --manifest {} --env staging",
            g.manifest.display(),
            g.manifest.display()
        )),
        _ => Ok(()),
    };
    for (_, opt, flag, value) in items {
        if opt == Opt::Manifest {
            close(groups.last(), envs_in_group)?;
            groups.push(InitGroup {
                manifest: PathBuf::from(value),
                ..InitGroup::default()
            });
            envs_in_group = 0;
            continue;
        }
        let Some(g) = groups.last_mut() else {
            return Err(format!(
                "`{flag} {value}` comes before any --manifest: each {flag} belongs to the --manifest before it, e.g. --manifest manifest.yml --env staging --vars-file vars/staging.yml"
            ));
        };
        let manifest = g.manifest.display().to_string();
        let once = |slot: &Option<String>, what: &str| match slot {
            Some(first) => Err(format!(
                "--manifest {manifest} is given {what} twice (`{first}` and `{value}`): one per manifest; a second environment is a second --manifest group"
            )),
            None => Ok(()),
        };
        match opt {
            Opt::Manifest => unreachable!("handled above"),
            Opt::Env => {
                if envs_in_group > 0 {
                    return Err(format!(
                        "--manifest {} is given two environments (`{}` and `{value}`): for a second environment, repeat the --manifest, e.g. --manifest {} --env {value}",
                        g.manifest.display(),
                        g.env,
                        g.manifest.display()
                    ));
                }
                envs_in_group += 1;
                g.env = value;
            }
            Opt::VarsFile => g.vars_files.push(PathBuf::from(value)),
            Opt::Var => g.vars.push(value),
            Opt::Org => {
                once(&g.org, "an organization")?;
                g.org = Some(value);
            }
            Opt::Space => {
                once(&g.space, "a space")?;
                g.space = Some(value);
            }
            Opt::Target => {
                once(&g.org, "an organization")?;
                once(&g.space, "a space")?;
                let Some((org, space)) = value
                    .split_once('/')
                    .filter(|(o, s)| !o.trim().is_empty() && !s.trim().is_empty())
                else {
                    return Err(format!(
                        "--target `{value}` is not ORG/SPACE, e.g. --target cap/staging"
                    ));
                };
                g.org = Some(org.to_owned());
                g.space = Some(space.to_owned());
            }
            Opt::DefaultDomain => {
                once(&g.default_domain, "a default domain")?;
                g.default_domain = Some(value);
            }
        }
    }
    close(groups.last(), envs_in_group)?;
    Ok(groups)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    Dot,
    Mermaid,
    Svg,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The model file, e.g. models/c2.json.
    pub model: PathBuf,
    /// One environment only (default: all, as clusters).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// DOT source, a Mermaid flowchart, or SVG laid out by Graphviz's `dot`.
    #[arg(long, value_enum, default_value_t = DiagramFormat::Dot)]
    pub format: DiagramFormat,
    /// Only this app or service instance (an id of `apps` or `services`) and its neighbours:
    /// the instances an app binds, the apps bound to an instance.
    #[arg(long, value_name = "ID")]
    pub focus: Option<String>,
    /// Draw every node even when the diagram is too large to lay out (by default an
    /// environment of more than 150 apps and instances, or a diagram of more than 450, is
    /// drawn grouped).
    #[arg(long)]
    pub full: bool,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExpectArgs {
    /// The model file, e.g. models/c2.json.
    pub model: PathBuf,
    /// The environment whose space is printed, e.g. staging.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Which cf command's output to print.
    #[arg(long, value_enum, default_value_t = CfCommand::Services)]
    pub command: CfCommand,
    /// The cf CLI major version whose layout to print.
    #[arg(long, value_enum, default_value_t = CliVersion::V8)]
    pub cli: CliVersion,
}

#[derive(Debug, Args)]
pub struct DocsArgs {
    /// The model file, e.g. models/c2.json.
    pub model: PathBuf,
    /// Output directory.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Change nothing; exit 3 if a regeneration would change any file.
    #[arg(long)]
    pub check: bool,
    /// Skip the SVG files (no Graphviz needed); the page then links the DOT sources only.
    #[arg(long)]
    pub no_svg: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The model file, e.g. models/c2.json.
    pub model: PathBuf,
    /// Environments to verify (repeatable; default: every environment a source covers, or all with --api).
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// Captured `cf services` output, or - for standard input (repeatable: one per environment).
    #[arg(long = "cf-services", value_name = "FILE")]
    pub cf_services: Vec<String>,
    /// Captured `cf apps` output, or - (repeatable).
    #[arg(long = "cf-apps", value_name = "FILE")]
    pub cf_apps: Vec<String>,
    /// Captured `cf env APP` output, or - (repeatable). Only instance names are read.
    #[arg(long = "cf-env", value_name = "FILE")]
    pub cf_env: Vec<String>,
    /// Ask the Cloud Controller v3 API live. URL optional: default the environment's `api`,
    /// else the cf CLI's saved target.
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub api: Option<String>,
    /// Deadline for the whole run against the API (with --wait: for each round).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// A deploy gate: while any check is pending (a deployment in flight, an operation in
    /// progress, instances starting), verify again with backoff, up to DURATION; a CRITICAL
    /// that nothing in progress settles ends it at once. Needs the API.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Option<Duration>,
    /// How far back the audit events that explain a CRITICAL check are read (with the API),
    /// e.g. 7d, 36h, 90m (1m to 366d); the Cloud Controller keeps them 31 days by default.
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_since)]
    pub since: Duration,
    /// Do not verify TLS certificates (prints a warning).
    #[arg(long)]
    pub skip_ssl_validation: bool,
    /// An extra root certificate (PEM) to trust.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Which token each API gets, for environments on several foundations: a JSON file
    /// mapping API URLs to environment variables or a cf CLI home (see the README).
    #[arg(long, value_name = "FILE", env = "ARCHCHECK_CREDENTIALS")]
    pub credentials: Option<PathBuf>,
    /// At most N requests to the Cloud Controller APIs in any hour (all APIs together, with
    /// --wait over all its rounds): a request past it waits for a free place within the
    /// deadline, or that part is UNKNOWN.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_requests_per_hour: Option<u32>,
    /// Report format: text, JSON (one versioned document), JUnit XML, or a Nagios/Icinga
    /// plugin's output (status line with performance data, then one line per finding).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the diagram with the verdict drawn on it (DOT, or SVG when FILE ends in .svg).
    #[arg(long, value_name = "FILE")]
    pub diagram: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// The model file, e.g. models/c2.json.
    pub model: PathBuf,
    /// The environment whose manifest is written or checked, e.g. prod.
    #[arg(long, value_name = "ENV")]
    pub env: String,
    /// Write the manifest to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with = "check")]
    pub output: Option<PathBuf>,
    /// Check an existing manifest against the model instead of writing one.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// Variables for ((var)) interpolation, as `cf push --vars-file` (repeatable).
    #[arg(long = "vars-file", value_name = "FILE", requires = "check")]
    pub vars_files: Vec<PathBuf>,
    /// A variable, KEY=VALUE, as `cf push --var` (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE", requires = "check")]
    pub vars: Vec<String>,
    /// Report format for --check: text, JSON, JUnit XML or Nagios/Icinga plugin output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// The model file, e.g. models/c2.json.
    pub model: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9022", value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// Write the address actually bound (e.g. http://127.0.0.1:43567) to FILE once listening.
    #[arg(long, value_name = "FILE")]
    pub url_file: Option<PathBuf>,
    // Help from the scenarios' data (`sim::scenario::SCENARIOS`).
    #[arg(
        long,
        default_value = "healthy",
        help = crate::sim::scenario::short_help(),
        long_help = crate::sim::scenario::help()
    )]
    pub scenario: Scenario,
    /// A fault to inject (repeatable), e.g. unbind:staging:worker:queue. See `archcheck sim --help`.
    #[arg(long = "fault", value_name = "SPEC", long_help = crate::sim::fault::help())]
    pub faults: Vec<String>,
    /// Cap per_page to force many pages.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_per_page: Option<u32>,
    /// Only grant tokens for this client or user and secret, as ID:SECRET.
    ///
    /// Without it, the token endpoint (POST /oauth/token: password, client_credentials and
    /// refresh_token grants) grants anyone, and any bearer token is accepted.
    #[arg(long, value_name = "ID:SECRET", verbatim_doc_comment, value_parser = IdSecret)]
    pub require_token: Option<(String, Secret)>,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The model file, e.g. models/c2.json.
    pub model: PathBuf,
    /// Environments to watch (repeatable; default: all of the model's).
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// The Cloud Controller v3 API. URL optional: default the environment's `api`, else the
    /// cf CLI's saved target. The token comes from CF_OAUTH_TOKEN, CF_CLIENT_ID and
    /// CF_CLIENT_SECRET (or credentials of those names, in $CREDENTIALS_DIRECTORY or
    /// VCAP_SERVICES), or the cf CLI's session, as for `verify --api`.
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub api: Option<String>,
    /// Time from the start of one round to the start of the next. A round that takes longer
    /// is counted (archcheck_round_overruns_total) and the next starts right after it.
    /// Evidence is as old as the start of its round's requests; older than 3 intervals, it is
    /// stale and exported as UNKNOWN (see the README's watch section).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Address to serve /metrics, /healthz and /status on; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", required_unless_present = "once", value_parser = parse_listen)]
    pub listen: Option<SocketAddr>,
    /// Write the address actually bound (e.g. http://127.0.0.1:43567) to FILE once listening.
    #[arg(long, value_name = "FILE", conflicts_with = "once")]
    pub url_file: Option<PathBuf>,
    /// POST a JSON message (Slack-compatible `text`) on every status change of an
    /// environment (repeatable). Only the scheme and host of URL are ever printed. More URLs
    /// may come from ARCHCHECK_WEBHOOKS, or the credential archcheck_webhooks.
    #[arg(long = "webhook", value_name = "URL", conflicts_with = "once")]
    pub webhooks: Vec<String>,
    /// On SIGINT or SIGTERM, how long webhook messages still waiting (or being sent) may take
    /// to be delivered; each one not delivered by then is logged and counted
    /// (archcheck_webhook_dropped_total, reason="shutdown").
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration, conflicts_with = "once")]
    pub webhook_grace: Duration,
    /// Deadline for one round against the API.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Do not verify TLS certificates (prints a warning).
    #[arg(long)]
    pub skip_ssl_validation: bool,
    /// An extra root certificate (PEM) to trust.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Which token each API gets, for environments on several foundations: a JSON file
    /// mapping API URLs to environment variables or a cf CLI home (see the README).
    #[arg(long, value_name = "FILE", env = "ARCHCHECK_CREDENTIALS")]
    pub credentials: Option<PathBuf>,
    /// At most N requests to the Cloud Controller APIs in any hour: rounds are spaced so
    /// that they keep to it (the interval stretches, logged and exported as
    /// archcheck_round_interval_stretched), and a request past it waits within the deadline.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_requests_per_hour: Option<u32>,
    /// Run one round, print the text report and exit with its code (0/1/2/3), e.g. from cron.
    #[arg(long, conflicts_with = "listen")]
    pub once: bool,
    /// Keep the history in FILE, a SQLite database (created when missing; one watch writes it,
    /// `archcheck history` reads it at any time): each round's summary and each transition with
    /// the checks that changed. After a restart the first webhook's `previous` is the last
    /// stored status. A corrupt, locked or newer file is an error, never reset.
    #[arg(long, value_name = "FILE", conflicts_with = "once")]
    pub state: Option<PathBuf>,
    /// Who may look: a Prometheus exporter-toolkit web configuration. With basic_auth_users
    /// (bcrypt hashes), every endpoint but /healthz asks for one of its users (401 without);
    /// with tls_server_config (cert_file, key_file; client_auth_type and client_ca_file for
    /// client certificates) the watch serves HTTPS only.
    #[arg(long, value_name = "FILE", conflicts_with = "once")]
    pub web_config: Option<PathBuf>,
    /// How long the --state file keeps rounds and transitions (older rows are pruned at start
    /// and hourly), e.g. 30d, 12h.
    #[arg(long, value_name = "AGE", default_value = "30d", value_parser = parse_age, requires = "state")]
    pub retain: Duration,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The state file `archcheck watch --state FILE` writes.
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// One environment only (default: all in the file).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Only what happened within this age, e.g. 24h, 7d (default: everything kept).
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub since: Option<Duration>,
    /// Text (the timeline in words, then the outage windows) or JSON (format_version 1).
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
}

/// The formats of `archcheck history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for.
    pub shell: clap_complete::Shell,
}

/// Parses `sim --listen`: an address with a port.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|e| {
        format!("`{text}` is not an address ({e}); use e.g. 127.0.0.1:9022 or 127.0.0.1:0")
    })
}

/// Parses `sim --require-token ID:SECRET`. A bad value is a usage error that does not echo
/// the value (it may be the secret itself), unlike clap's own "invalid value" message.
#[derive(Debug, Clone, Copy)]
pub struct IdSecret;

impl TypedValueParser for IdSecret {
    type Value = (String, Secret);

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Self::Value, clap::Error> {
        match value.to_str().and_then(|v| v.split_once(':')) {
            Some((id, secret)) if !id.is_empty() => Ok((id.to_owned(), Secret::new(secret))),
            _ => {
                let name = arg.map_or_else(|| "the value".to_owned(), |a| a.to_string());
                Err(clap::Error::raw(
                    ErrorKind::ValueValidation,
                    format!("{name} must be ID:SECRET (e.g. admin:s3cret); the value given is not shown\n"),
                )
                .with_cmd(cmd))
            }
        }
    }
}

/// Parses an age: `30d`, `12h`, `90m`, `45s` (at most 10 years).
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not an age; use e.g. 30d, 24h, 90m"))?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{text}` has no unit (s, m, h or d); use e.g. 30d, 24h"
            ));
        }
    };
    match n.checked_mul(unit_secs) {
        Some(secs) if secs > 0 && secs <= 10 * 366 * 86_400 => Ok(Duration::from_secs(secs)),
        _ => Err(format!(
            "`{text}` is out of range (more than 0, at most 10 years)"
        )),
    }
}

/// A look-back window: a whole number of days, hours, minutes or seconds (`7d`, `36h`,
/// `90m`, `600s`), from a minute to a year (366 days).
pub fn parse_since(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit_secs: u64 = match unit {
        "d" => 86_400,
        "h" => 3600,
        "m" => 60,
        "s" => 1,
        _ => return Err(format!("`{text}` is not a window; use e.g. 7d, 36h, 90m")),
    };
    let secs = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_secs))
        .ok_or_else(|| format!("`{text}` is not a window; use e.g. 7d, 36h, 90m"))?;
    if !(60..=366 * 86_400).contains(&secs) {
        return Err(format!("`{text}` is out of range (1m to 366d)"));
    }
    Ok(Duration::from_secs(secs))
}

/// Parses `60s`, `500ms`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; use e.g. 60s, 500ms, 2m"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{text}`; use ms, s, m or h"
            ));
        }
    };
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err(format!(
            "`{text}` is out of range (more than 0, at most 24h)"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// `--since`: whole days up to a year, or a duration of up to a day.
    #[test]
    fn since_takes_days_or_a_duration() {
        assert_eq!(parse_since("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_since("36h"), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_since(" 90m "), Ok(Duration::from_secs(5400)));
        for bad in ["0d", "367d", "30s", "99999999999999999999d"] {
            assert!(parse_since(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_since("7 days"),
            Err("`7 days` is not a window; use e.g. 7d, 36h, 90m".into())
        );
        assert!(parse_since("1.5d").unwrap_err().contains("not a window"));
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// `--help` explains every argument of every command, not just names it.
    #[test]
    fn every_argument_has_help() {
        let mut missing = Vec::new();
        for sub in Cli::command().get_subcommands() {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{} {id}", sub.get_name()));
                }
            }
        }
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }

    /// A bad value of a `sim` flag is clap's usage error (exit 3 in `main`), before any I/O.
    #[test]
    fn sim_flags_are_checked_by_clap() {
        let parse = |extra: &[&str]| {
            Cli::try_parse_from(["archcheck", "sim", "m.json"].iter().chain(extra))
        };
        for (args, why) in [
            (&["--scenario", "sunny"][..], "unknown scenario `sunny`"),
            (&["--require-token", "nocolon"], "must be ID:SECRET"),
            (&["--require-token", ":secret"], "must be ID:SECRET"),
            (&["--max-per-page", "0"], "0 is not in 1.."),
            (&["--max-per-page", "many"], "invalid digit"),
            (&["--listen", "localhost"], "is not an address"),
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ValueValidation, "{args:?}");
            assert!(e.use_stderr(), "{args:?}");
            let text = e.to_string();
            assert!(text.contains(why), "{args:?}: {text}");
            if args[0] == "--require-token" {
                assert!(!text.contains(&args[1][1..]), "echoes the secret: {text}");
            }
        }
        let Command::Sim(a) = parse(&[
            "--scenario",
            "c2-incident",
            "--require-token",
            "admin:s3:cret",
            "--max-per-page",
            "3",
        ])
        .unwrap()
        .command
        else {
            panic!("not sim")
        };
        assert_eq!(a.scenario, Scenario::C2Incident);
        assert_eq!(a.max_per_page, Some(3));
        let (id, secret) = a.require_token.unwrap();
        assert_eq!((id.as_str(), secret.expose()), ("admin", "s3:cret"));
        let Command::Sim(a) = parse(&[]).unwrap().command else {
            panic!("not sim")
        };
        assert_eq!(a.scenario, Scenario::Healthy);
        assert_eq!(a.listen, SocketAddr::from(([127, 0, 0, 1], 9022)));
    }

    /// `init`'s options belong to the --manifest before them, in order.
    #[test]
    fn init_groups_follow_the_order_of_the_options() {
        let cli = Cli::try_parse_ordered_from([
            "archcheck",
            "init",
            "--manifest",
            "m.yml",
            "--env",
            "staging",
            "--vars-file",
            "s.yml",
            "--var",
            "a=1",
            "--target",
            "cap/staging",
            "--manifest",
            "m.yml",
            "--vars-file",
            "p.yml",
            "--env",
            "prod",
            "--org",
            "cap",
            "--space",
            "prod",
            "--default-domain",
            "app.cloud.gov",
            "-o",
            "c2.json",
        ])
        .unwrap();
        let Command::Init(a) = cli.command else {
            panic!("not init")
        };
        assert_eq!(
            a.groups,
            [
                InitGroup {
                    manifest: "m.yml".into(),
                    env: "staging".into(),
                    vars_files: vec!["s.yml".into()],
                    vars: vec!["a=1".into()],
                    org: Some("cap".into()),
                    space: Some("staging".into()),
                    default_domain: None,
                },
                InitGroup {
                    manifest: "m.yml".into(),
                    env: "prod".into(),
                    vars_files: vec!["p.yml".into()],
                    vars: vec![],
                    org: Some("cap".into()),
                    space: Some("prod".into()),
                    default_domain: Some("app.cloud.gov".into()),
                },
            ]
        );
        let e = Cli::try_parse_ordered_from([
            "archcheck",
            "init",
            "--var",
            "a=1",
            "--manifest",
            "m",
            "--env",
            "e",
        ])
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ArgumentConflict);
        assert!(
            e.to_string()
                .contains("`--var a=1` comes before any --manifest"),
            "{e}"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5y").is_err());
        assert_eq!(parse_age("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse_age("24h").unwrap(), Duration::from_secs(86_400));
        assert!(parse_age("30").is_err() && parse_age("0d").is_err() && parse_age("d").is_err());
    }
}
