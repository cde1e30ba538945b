//! `archcheck sim MODEL`: run the simulated Cloud Controller until SIGINT or SIGTERM.
//! Prints the URL on stderr and, with `--url-file`, writes it to a file once listening (so
//! scripts can use `--listen 127.0.0.1:0`).

use crate::cli::SimArgs;
use crate::sim::{SimConfig, Simulator};
use anyhow::Context;

/// The arguments as a configuration (clap has checked every value).
pub(crate) fn config(args: &SimArgs) -> SimConfig {
    SimConfig {
        listen: args.listen,
        scenario: args.scenario,
        faults: args.faults.clone(),
        max_per_page: args.max_per_page,
        require_token: args
            .require_token
            .as_ref()
            .map(|(id, secret)| (id.clone(), secret.expose().to_owned())),
        ..SimConfig::default()
    }
}

pub(crate) fn run(args: &SimArgs) -> anyhow::Result<u8> {
    let model = super::load_model(&args.model)?;
    let config = config(args);
    let sim = Simulator::new(&model, &config)
        .with_context(|| format!("cannot simulate {}", args.model.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener
            .local_addr()
            .context("cannot read the bound address")?;
        let url = format!("http://{addr}");
        if let Some(file) = &args.url_file {
            super::write_url_file(file, &url)?;
        }
        crate::eprintln_redacted!(
            "archcheck sim: {} ({} scenario{}) listening on {url}",
            args.model.display(),
            config.scenario,
            if config.faults.is_empty() {
                String::new()
            } else {
                format!(", faults: {}", config.faults.join(" "))
            }
        );
        sim.serve(listener, super::shutdown_signal())
            .await
            .context("the simulator stopped with an error")?;
        crate::eprintln_redacted!("archcheck sim: stopped");
        Ok(0)
    })
}
