//! Command-line arguments as typed by the user (clap). Each command's module turns these into
//! a checked plan before doing any I/O.

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
    /// Validate a model; with --fresh, also fail when generated files are stale.
    Check(CheckArgs),
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
    /// e.g. 7d, 36h; the Cloud Controller keeps them 31 days by default.
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
    /// Run one round, print the text report and exit with its code (0/1/2/3), e.g. from cron.
    #[arg(long, conflicts_with = "listen")]
    pub once: bool,
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

/// Parses `60s`, `500ms`, `2m`, `1h`, or a bare number of seconds.
/// A look-back window: a [`parse_duration`] or whole days (`7d`), at most a year.
pub fn parse_since(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if let Some(days) = t.strip_suffix('d') {
        let n: u64 = days
            .parse()
            .map_err(|_| format!("`{text}` is not a duration; use e.g. 7d, 36h, 90m"))?;
        if n == 0 || n > 366 {
            return Err(format!("`{text}` is out of range (1d to 366d)"));
        }
        return Ok(Duration::from_secs(n * 86_400));
    }
    parse_duration(t)
}

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

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5y").is_err());
    }
}
