//! `archcheck history --state FILE`: the timeline and outage windows a `watch --state FILE`
//! recorded (see [`crate::watch::history`]), as text or JSON. Reads the file read-only, so it
//! runs while the watch writes.

use crate::cli::{HistoryArgs, HistoryFormat};
use crate::watch::history;
use crate::watch::store::{Reader, ms};
use std::time::SystemTime;

pub(crate) fn run(args: &HistoryArgs) -> anyhow::Result<u8> {
    let reader = Reader::open(&args.state)?;
    let since_ms = args
        .since
        .map(|age| ms(SystemTime::now()) - age.as_millis() as i64);
    let h = history::read(&reader, args.env.as_deref(), since_ms)?;
    let bytes = match args.format {
        HistoryFormat::Text => history::text(&h).into_bytes(),
        HistoryFormat::Json => {
            let mut b = serde_json::to_vec_pretty(&h)?;
            b.push(b'\n');
            b
        }
    };
    super::write_output(None, &bytes)?;
    Ok(0)
}
