//! History that survives restarts: `watch --state FILE`, an embedded SQLite database (bundled
//! SQLite, no server) holding each round's summary and each transition an environment went
//! through, with the checks that changed, their messages and causes.
//!
//! - **One writer.** The watch that opens the file holds an advisory lock (`flock`) on
//!   `FILE.lock`, written with its process id, for as long as it runs; a second watch on the
//!   same file refuses at start, naming that pid. The kernel drops the lock when the process
//!   dies, even by SIGKILL, so a crash never leaves the file locked.
//! - **Readers at any time.** The database is in WAL mode: `archcheck history` (and a person
//!   with `sqlite3`) reads it while the watch writes.
//! - **Durable.** Each round and each set of transitions is one transaction, committed with
//!   `synchronous=FULL` before the webhooks are queued: a process killed mid-round loses
//!   only that round, never a transition it announced.
//! - **Never reset silently.** A file that is not an archcheck state database (corrupt, or
//!   another kind of file), fails SQLite's `quick_check`, is locked by another writer, or
//!   was written by a newer archcheck (its schema version is higher than [`SCHEMA_VERSION`])
//!   is an error at start, and the file is left as it is. Older schema versions are migrated
//!   forward, one step at a time, in one transaction ([`MIGRATIONS`]).
//! - **Retention.** Rows older than `--retain` (default 30 days) are pruned at start and then
//!   hourly; what was last announced per environment is kept whatever its age, so that the
//!   first message after a restart has the stored status as its `previous`.
//! - **Nothing secret.** Every text goes through [`crate::secret::redact`] before it is
//!   stored; no source label (API URLs), token or webhook URL is stored at all.

use super::state::Announced;
use crate::verify::Status;
use anyhow::{Context, bail};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// The schema this archcheck writes. A file with a higher version is refused.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// `PRAGMA application_id` of an archcheck state file: `arch` in ASCII.
pub(crate) const APPLICATION_ID: i64 = 0x6172_6368;

/// Schema migrations: `MIGRATIONS[v]` takes a database from version `v` to `v + 1` (version
/// 0 is a new, empty file).
pub(crate) const MIGRATIONS: &[&str] = &[
    // 0 -> 1
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE starts (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        version TEXT NOT NULL,
        interval_ms INTEGER NOT NULL,
        environments TEXT NOT NULL
     );
     CREATE INDEX starts_at ON starts (at_ms);
     CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        observed_at_ms INTEGER NOT NULL,
        completed_at_ms INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        requests INTEGER,
        judgement TEXT NOT NULL
     );
     CREATE INDEX rounds_observed ON rounds (observed_at_ms);
     CREATE TABLE round_environments (
        round_id INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        environment TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (round_id, environment)
     );
     CREATE TABLE transitions (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        observed_at_ms INTEGER,
        environment TEXT NOT NULL,
        previous TEXT,
        status TEXT NOT NULL,
        headline TEXT NOT NULL
     );
     CREATE INDEX transitions_at ON transitions (at_ms);
     CREATE TABLE transition_checks (
        transition_id INTEGER NOT NULL REFERENCES transitions (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        check_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        previous TEXT,
        status TEXT NOT NULL,
        message TEXT NOT NULL,
        cause TEXT,
        impact TEXT,
        repair TEXT,
        PRIMARY KEY (transition_id, position)
     );
     CREATE TABLE announced (
        environment TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        checks TEXT NOT NULL,
        at_ms INTEGER NOT NULL
     );",
];

/// One check that changed in a transition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct ChangedCheck {
    pub id: String,
    /// `binding_exists`, `app_exists`, ... as in the JSON report.
    pub kind: String,
    /// In CF names, e.g. `c2-staging-worker -> c2-staging-redis`.
    pub subject: String,
    /// `None` when it is the first word on the check.
    pub previous: Option<Status>,
    pub status: Status,
    pub message: String,
    /// Why it is UNKNOWN, when it is and the reason is known.
    pub cause: Option<String>,
    pub impact: Option<String>,
    pub repair: Option<String>,
}

/// An environment's status or checks changed (what a webhook message announces).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Transition {
    /// When it was announced, Unix milliseconds.
    #[serde(serialize_with = "as_rfc3339")]
    pub at_ms: i64,
    /// When the evidence behind `status` was read; `None` without fresh evidence.
    #[serde(serialize_with = "opt_as_rfc3339")]
    pub observed_at_ms: Option<i64>,
    pub environment: String,
    /// `None` for the first word on the environment.
    pub previous: Option<Status>,
    pub status: Status,
    pub headline: String,
    pub changed_checks: Vec<ChangedCheck>,
}

fn as_rfc3339<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339_ms(*ms))
}

fn opt_as_rfc3339<S: serde::Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => s.serialize_str(&rfc3339_ms(*ms)),
        None => s.serialize_none(),
    }
}

/// `2016-08-05T00:19:05Z` for Unix milliseconds.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    crate::time_format::rfc3339_utc(ms.div_euclid(1000))
}

/// One completed round, as stored.
#[derive(Debug, Clone)]
pub(crate) struct RoundRecord {
    pub observed_at: SystemTime,
    pub completed_at: SystemTime,
    pub duration: Duration,
    /// Requests sent to the Cloud Controller in the round.
    pub requests: Option<u64>,
    /// `fresh`, `too_old` or `late` ([`super::schedule::Judgement`]).
    pub judgement: &'static str,
    /// Each watched environment's status in the round's verdict.
    pub statuses: Vec<(String, Status)>,
}

/// A watch start, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Start {
    #[serde(serialize_with = "as_rfc3339")]
    pub at_ms: i64,
    pub version: String,
    pub interval_ms: i64,
    pub environments: Vec<String>,
}

/// What a watch picks up from the file at start.
#[derive(Debug, Default)]
pub(crate) struct Restored {
    /// What was last announced per environment: the `previous` of the next message.
    pub announced: BTreeMap<String, Announced>,
    /// The latest transitions, oldest first (at most [`TIMELINE_KEPT`]).
    pub timeline: Vec<Transition>,
}

/// Transitions a watch keeps in memory for the page and `/status`.
pub(crate) const TIMELINE_KEPT: usize = 200;

/// How often old rows are pruned while watching.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The state file, open for writing by this process alone.
pub(crate) struct Store {
    conn: Connection,
    path: PathBuf,
    retain: Duration,
    last_prune: Instant,
    /// Held for the life of the store: the advisory lock on `FILE.lock`.
    _lock: File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.path.display())
    }
}

/// The lock file next to a state file.
pub(crate) fn lock_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// The first 16 bytes of every SQLite database.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuses a file that exists, is not empty and is not a SQLite database.
fn check_header(path: &Path) -> anyhow::Result<()> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut head = Vec::with_capacity(16);
    (&mut f)
        .take(16)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !head.is_empty() && head != SQLITE_HEADER {
        bail!(
            "{} is not an archcheck state file: it is not a SQLite database (corrupt, or another \
             kind of file); it was left as it is: move it away to start a new history",
            path.display()
        );
    }
    Ok(())
}

/// A readable message for a SQLite error on a state file.
fn sqlite_error(path: &Path, what: &str, e: rusqlite::Error) -> anyhow::Error {
    let corrupt = matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    );
    if corrupt {
        anyhow::anyhow!(
            "{} is corrupt ({what}: {e}); it was left as it is: move it away to start a new \
             history, or recover it with sqlite3's .recover",
            path.display()
        )
    } else {
        anyhow::anyhow!("{}: {what}: {e}", path.display())
    }
}

/// Checks what kind of file an open database is: archcheck's (or new), and not from a newer
/// archcheck; returns its schema version.
fn check_identity(conn: &Connection, path: &Path) -> anyhow::Result<i64> {
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| sqlite_error(path, "cannot read its application id", e))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| sqlite_error(path, "cannot read its schema version", e))?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(|e| sqlite_error(path, "cannot read its tables", e))?;
    if app != APPLICATION_ID && (app != 0 || tables > 0 || version != 0) {
        bail!(
            "{} is a SQLite database but not an archcheck state file (application id {app:#x}); \
             it was left as it is: give --state a new file",
            path.display()
        );
    }
    if version > SCHEMA_VERSION {
        bail!(
            "{} was written by a newer archcheck (state schema version {version}; this archcheck \
             {} reads versions up to {SCHEMA_VERSION}); it was left as it is: run the newer \
             archcheck, or give --state another file",
            path.display(),
            env!("CARGO_PKG_VERSION")
        );
    }
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| sqlite_error(path, "its integrity check failed", e))?;
    if check != "ok" {
        bail!(
            "{} is corrupt (SQLite's quick_check: {check}); it was left as it is: move it away \
             to start a new history, or recover it with sqlite3's .recover",
            path.display()
        );
    }
    Ok(version)
}

fn now_ms() -> i64 {
    ms(SystemTime::now())
}

/// Unix milliseconds.
pub(crate) fn ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A status as stored (its JSON spelling, e.g. `NOT_CHECKED`).
fn status_text(s: Status) -> &'static str {
    match s {
        Status::NotChecked => "NOT_CHECKED",
        other => other.as_str(),
    }
}

/// A stored status back; an unknown word is UNKNOWN (never better than what was stored).
pub(crate) fn parse_status(s: &str) -> Status {
    match s {
        "OK" => Status::Ok,
        "WARNING" => Status::Warning,
        "CRITICAL" => Status::Critical,
        "NOT_CHECKED" | "NOT CHECKED" => Status::NotChecked,
        _ => Status::Unknown,
    }
}

fn redacted(text: &str) -> String {
    crate::secret::redact(text).into_owned()
}

impl Store {
    /// Opens (or creates) the state file for writing, taking the writer's lock, checking the
    /// file, migrating it forward, recording this start, and pruning rows older than
    /// `retain`. Every problem is an error naming the file; nothing is reset.
    pub(crate) fn open(
        path: &Path,
        system: &str,
        retain: Duration,
        interval: Duration,
        envs: &[String],
    ) -> anyhow::Result<(Store, Restored)> {
        let lock = take_lock(path)?;
        check_header(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sqlite_error(path, "cannot open it", e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| sqlite_error(path, "cannot set its busy timeout", e))?;
        let version = check_identity(&conn, path)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| sqlite_error(path, "cannot switch it to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            bail!(
                "{}: SQLite cannot use WAL mode there (journal mode {mode}); give --state a file \
                 on a local file system",
                path.display()
            );
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(|e| sqlite_error(path, "cannot set it up", e))?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
            retain,
            last_prune: Instant::now(),
            _lock: lock,
        };
        store.migrate(version)?;
        store
            .conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('system', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = ?1",
                [system],
            )
            .map_err(|e| sqlite_error(path, "cannot record the system's name", e))?;
        store.prune()?;
        store
            .conn
            .execute(
                "INSERT INTO starts (at_ms, version, interval_ms, environments) VALUES (?1, ?2, ?3, ?4)",
                params![
                    now_ms(),
                    env!("CARGO_PKG_VERSION"),
                    interval.as_millis() as i64,
                    envs.join(",")
                ],
            )
            .map_err(|e| sqlite_error(path, "cannot record the start", e))?;
        let restored = Restored {
            announced: read_announced(&store.conn)
                .map_err(|e| sqlite_error(path, "cannot read the last announced statuses", e))?,
            timeline: read_transitions(&store.conn, None, None, Some(TIMELINE_KEPT))
                .map_err(|e| sqlite_error(path, "cannot read the timeline", e))?,
        };
        Ok((store, restored))
    }

    fn migrate(&mut self, from: i64) -> anyhow::Result<()> {
        if from == SCHEMA_VERSION {
            return Ok(());
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sqlite_error(&path, "cannot start the schema migration", e))?;
        for v in from..SCHEMA_VERSION {
            tx.execute_batch(MIGRATIONS[v as usize]).map_err(|e| {
                sqlite_error(
                    &path,
                    &format!("cannot migrate its schema from version {v} to {}", v + 1),
                    e,
                )
            })?;
        }
        tx.execute_batch(&format!(
            "PRAGMA user_version = {SCHEMA_VERSION}; PRAGMA application_id = {APPLICATION_ID};"
        ))
        .map_err(|e| sqlite_error(&path, "cannot set its schema version", e))?;
        tx.commit()
            .map_err(|e| sqlite_error(&path, "cannot commit the schema migration", e))?;
        if from > 0 {
            tracing::info!(
                "{}: state schema migrated from version {from} to {SCHEMA_VERSION}",
                path.display()
            );
        }
        Ok(())
    }

    /// Deletes rounds, transitions and starts older than the retention.
    pub(crate) fn prune(&mut self) -> anyhow::Result<()> {
        let cutoff = now_ms().saturating_sub(self.retain.as_millis() as i64);
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sqlite_error(&path, "cannot prune", e))?;
        tx.execute("DELETE FROM rounds WHERE observed_at_ms < ?1", [cutoff])
            .and_then(|_| tx.execute("DELETE FROM transitions WHERE at_ms < ?1", [cutoff]))
            .and_then(|_| tx.execute("DELETE FROM starts WHERE at_ms < ?1", [cutoff]))
            .map_err(|e| sqlite_error(&path, "cannot prune", e))?;
        tx.commit()
            .map_err(|e| sqlite_error(&path, "cannot prune", e))?;
        self.last_prune = Instant::now();
        Ok(())
    }

    /// Records a completed round (and prunes, at most hourly).
    pub(crate) fn record_round(&mut self, r: &RoundRecord) -> anyhow::Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sqlite_error(&path, "cannot record the round", e))?;
        tx.execute(
            "INSERT INTO rounds (observed_at_ms, completed_at_ms, duration_ms, requests, judgement)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                ms(r.observed_at),
                ms(r.completed_at),
                r.duration.as_millis() as i64,
                r.requests.map(|n| n as i64),
                r.judgement
            ],
        )
        .map_err(|e| sqlite_error(&path, "cannot record the round", e))?;
        let id = tx.last_insert_rowid();
        for (env, status) in &r.statuses {
            tx.execute(
                "INSERT INTO round_environments (round_id, environment, status) VALUES (?1, ?2, ?3)",
                params![id, env, status_text(*status)],
            )
            .map_err(|e| sqlite_error(&path, "cannot record the round", e))?;
        }
        tx.commit()
            .map_err(|e| sqlite_error(&path, "cannot record the round", e))?;
        if self.last_prune.elapsed() >= PRUNE_EVERY {
            self.prune()?;
        }
        Ok(())
    }

    /// Records transitions and what is announced after them, in one transaction.
    pub(crate) fn record_transitions(
        &mut self,
        transitions: &[Transition],
        announced: &BTreeMap<String, Announced>,
    ) -> anyhow::Result<()> {
        let path = self.path.clone();
        let fail = |e| sqlite_error(&path, "cannot record a transition", e);
        let tx = self.conn.transaction().map_err(fail)?;
        for t in transitions {
            tx.execute(
                "INSERT INTO transitions (at_ms, observed_at_ms, environment, previous, status, headline)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    t.at_ms,
                    t.observed_at_ms,
                    t.environment,
                    t.previous.map(status_text),
                    status_text(t.status),
                    redacted(&t.headline)
                ],
            )
            .map_err(fail)?;
            let id = tx.last_insert_rowid();
            for (i, c) in t.changed_checks.iter().enumerate() {
                tx.execute(
                    "INSERT INTO transition_checks (transition_id, position, check_id, kind, subject,
                       previous, status, message, cause, impact, repair)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        id,
                        i as i64,
                        c.id,
                        c.kind,
                        redacted(&c.subject),
                        c.previous.map(status_text),
                        status_text(c.status),
                        redacted(&c.message),
                        c.cause.as_deref().map(redacted),
                        c.impact.as_deref().map(redacted),
                        c.repair.as_deref().map(redacted),
                    ],
                )
                .map_err(fail)?;
            }
        }
        for t in transitions {
            if let Some(a) = announced.get(&t.environment) {
                let checks: BTreeMap<&str, &str> = a
                    .checks
                    .iter()
                    .map(|(id, s)| (id.as_str(), status_text(*s)))
                    .collect();
                tx.execute(
                    "INSERT INTO announced (environment, status, checks, at_ms) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (environment) DO UPDATE SET status = ?2, checks = ?3, at_ms = ?4",
                    params![
                        t.environment,
                        status_text(a.status),
                        serde_json::to_string(&checks).unwrap_or_else(|_| "{}".to_owned()),
                        t.at_ms
                    ],
                )
                .map_err(fail)?;
            }
        }
        tx.commit().map_err(fail)
    }
}

/// Takes the writer's lock on `FILE.lock`, or says which process holds it.
fn take_lock(path: &Path) -> anyhow::Result<File> {
    let lock = lock_path(path);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .with_context(|| {
            format!(
                "cannot open the lock file {} of the state file {}",
                lock.display(),
                path.display()
            )
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            bail!(
                "{} is in use by another archcheck watch{} (it holds {}): a state file has one \
                 writer; stop that watch, or give this one another --state file (archcheck \
                 history reads the file at any time)",
                path.display(),
                if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {holder})")
                },
                lock.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", lock.display()));
        }
    }
    file.set_len(0)
        .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()))
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write {}", lock.display()))?;
    Ok(file)
}

fn read_announced(conn: &Connection) -> rusqlite::Result<BTreeMap<String, Announced>> {
    let mut stmt = conn.prepare("SELECT environment, status, checks FROM announced")?;
    let rows = stmt.query_map([], |r| {
        let env: String = r.get(0)?;
        let status: String = r.get(1)?;
        let checks: String = r.get(2)?;
        Ok((env, status, checks))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (env, status, checks) = row?;
        let checks: BTreeMap<String, String> = serde_json::from_str(&checks).unwrap_or_default();
        out.insert(
            env,
            Announced {
                status: parse_status(&status),
                checks: checks
                    .into_iter()
                    .map(|(id, s)| (id, parse_status(&s)))
                    .collect(),
            },
        );
    }
    Ok(out)
}

/// Transitions, oldest first: of `env` when given, at or after `since_ms` when given, and
/// only the latest `last` when given.
fn read_transitions(
    conn: &Connection,
    env: Option<&str>,
    since_ms: Option<i64>,
    last: Option<usize>,
) -> rusqlite::Result<Vec<Transition>> {
    let mut stmt = conn.prepare(
        "SELECT id, at_ms, observed_at_ms, environment, previous, status, headline FROM transitions
         WHERE (?1 IS NULL OR environment = ?1) AND (?2 IS NULL OR at_ms >= ?2)
         ORDER BY at_ms DESC, id DESC LIMIT ?3",
    )?;
    let limit = last.map_or(-1, |n| n as i64);
    let rows = stmt.query_map(params![env, since_ms, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Transition {
                at_ms: r.get(1)?,
                observed_at_ms: r.get(2)?,
                environment: r.get(3)?,
                previous: r.get::<_, Option<String>>(4)?.as_deref().map(parse_status),
                status: parse_status(&r.get::<_, String>(5)?),
                headline: r.get(6)?,
                changed_checks: Vec::new(),
            },
        ))
    })?;
    let mut out: Vec<(i64, Transition)> = rows.collect::<rusqlite::Result<_>>()?;
    out.reverse();
    let mut checks = conn.prepare(
        "SELECT check_id, kind, subject, previous, status, message, cause, impact, repair
         FROM transition_checks WHERE transition_id = ?1 ORDER BY position",
    )?;
    for (id, t) in &mut out {
        t.changed_checks = checks
            .query_map([*id], |r| {
                Ok(ChangedCheck {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    subject: r.get(2)?,
                    previous: r.get::<_, Option<String>>(3)?.as_deref().map(parse_status),
                    status: parse_status(&r.get::<_, String>(4)?),
                    message: r.get(5)?,
                    cause: r.get(6)?,
                    impact: r.get(7)?,
                    repair: r.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(out.into_iter().map(|(_, t)| t).collect())
}

/// A round as read back for `history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredRound {
    pub observed_at_ms: i64,
    pub fresh: bool,
    /// Each environment's status in the round.
    pub statuses: BTreeMap<String, Status>,
}

/// The state file opened read-only, for `archcheck history` (while a watch writes it, too).
pub(crate) struct Reader {
    conn: Connection,
}

impl Reader {
    pub(crate) fn open(path: &Path) -> anyhow::Result<Reader> {
        if !path.exists() {
            bail!(
                "{} does not exist; `archcheck watch --state {}` writes it",
                path.display(),
                path.display()
            );
        }
        check_header(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sqlite_error(path, "cannot open it", e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| sqlite_error(path, "cannot set its busy timeout", e))?;
        let version = check_identity(&conn, path)?;
        if version < SCHEMA_VERSION {
            bail!(
                "{} has state schema version {version}, older than this archcheck's \
                 ({SCHEMA_VERSION}); `archcheck watch --state` migrates it forward",
                path.display()
            );
        }
        Ok(Reader { conn })
    }

    pub(crate) fn transitions(
        &self,
        env: Option<&str>,
        since_ms: Option<i64>,
    ) -> anyhow::Result<Vec<Transition>> {
        read_transitions(&self.conn, env, since_ms, None).context("cannot read the transitions")
    }

    /// Rounds, oldest first, at or after `since_ms` when given.
    pub(crate) fn rounds(&self, since_ms: Option<i64>) -> anyhow::Result<Vec<StoredRound>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.observed_at_ms, r.judgement, e.environment, e.status
                 FROM rounds r LEFT JOIN round_environments e ON e.round_id = r.id
                 WHERE (?1 IS NULL OR r.observed_at_ms >= ?1)
                 ORDER BY r.observed_at_ms, r.id",
            )
            .context("cannot read the rounds")?;
        let rows = stmt
            .query_map(params![since_ms], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })
            .context("cannot read the rounds")?;
        let mut out: Vec<StoredRound> = Vec::new();
        let mut last_id = None;
        for row in rows {
            let (id, at, judgement, env, status) = row.context("cannot read the rounds")?;
            if last_id != Some(id) {
                last_id = Some(id);
                out.push(StoredRound {
                    observed_at_ms: at,
                    fresh: judgement == "fresh",
                    statuses: BTreeMap::new(),
                });
            }
            if let (Some(env), Some(status), Some(round)) = (env, status, out.last_mut()) {
                round.statuses.insert(env, parse_status(&status));
            }
        }
        Ok(out)
    }

    /// The system's name, as the last watch recorded it.
    pub(crate) fn system(&self) -> anyhow::Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'system'", [], |r| {
                r.get(0)
            })
            .optional()
            .context("cannot read the system's name")
    }

    /// Watch starts, oldest first, at or after `since_ms` when given.
    pub(crate) fn starts(&self, since_ms: Option<i64>) -> anyhow::Result<Vec<Start>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT at_ms, version, interval_ms, environments FROM starts
                 WHERE (?1 IS NULL OR at_ms >= ?1) ORDER BY at_ms",
            )
            .context("cannot read the starts")?;
        let rows = stmt
            .query_map(params![since_ms], |r| {
                Ok(Start {
                    at_ms: r.get(0)?,
                    version: r.get(1)?,
                    interval_ms: r.get(2)?,
                    environments: r
                        .get::<_, String>(3)?
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                })
            })
            .context("cannot read the starts")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("cannot read the starts")
    }

    /// The latest round's evidence time, if any round is stored.
    pub(crate) fn last_round_ms(&self) -> anyhow::Result<Option<i64>> {
        self.conn
            .query_row("SELECT max(observed_at_ms) FROM rounds", [], |r| r.get(0))
            .optional()
            .map(Option::flatten)
            .context("cannot read the rounds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &Path) -> anyhow::Result<(Store, Restored)> {
        Store::open(
            path,
            "c2",
            Duration::from_secs(30 * 86_400),
            Duration::from_secs(60),
            &["staging".to_owned()],
        )
    }

    fn transition(at_ms: i64, previous: Option<Status>, status: Status) -> Transition {
        Transition {
            at_ms,
            observed_at_ms: Some(at_ms - 500),
            environment: "staging".into(),
            previous,
            status,
            headline: format!("{status}: staging"),
            changed_checks: vec![ChangedCheck {
                id: "staging/binding/worker->queue".into(),
                kind: "binding_exists".into(),
                subject: "c2-staging-worker -> c2-staging-redis".into(),
                previous,
                status,
                message: "c2-staging-worker lost its binding".into(),
                cause: None,
                impact: Some("jobs stop".into()),
                repair: Some("cf bind-service c2-staging-worker c2-staging-redis".into()),
            }],
        }
    }

    fn announced(status: Status) -> BTreeMap<String, Announced> {
        BTreeMap::from([(
            "staging".to_owned(),
            Announced {
                status,
                checks: BTreeMap::from([("staging/binding/worker->queue".to_owned(), status)]),
            },
        )])
    }

    #[test]
    fn transitions_and_the_last_announcement_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let (mut s, restored) = open(&path).unwrap();
            assert!(restored.announced.is_empty() && restored.timeline.is_empty());
            let t = transition(now_ms(), Some(Status::Ok), Status::Critical);
            s.record_transitions(std::slice::from_ref(&t), &announced(Status::Critical))
                .unwrap();
        }
        let (_s, restored) = open(&path).unwrap();
        assert_eq!(restored.announced["staging"].status, Status::Critical);
        assert_eq!(
            restored.announced["staging"].checks["staging/binding/worker->queue"],
            Status::Critical
        );
        assert_eq!(restored.timeline.len(), 1);
        assert_eq!(
            restored.timeline[0].changed_checks[0].kind,
            "binding_exists"
        );
        assert_eq!(
            restored.timeline[0].changed_checks[0].repair.as_deref(),
            Some("cf bind-service c2-staging-worker c2-staging-redis")
        );
    }

    #[test]
    fn a_second_writer_is_refused_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let (_first, _) = open(&path).unwrap();
        let e = format!("{:#}", open(&path).unwrap_err());
        assert!(
            e.contains("is in use by another archcheck watch")
                && e.contains(&format!("pid {}", std::process::id())),
            "{e}"
        );
        // A reader is welcome meanwhile.
        Reader::open(&path).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        std::fs::write(&path, b"not a database at all, just text\n").unwrap();
        let e = format!("{:#}", open(&path).unwrap_err());
        assert!(e.contains("is not a SQLite database"), "{e}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"not a database at all, just text\n"
        );
    }

    #[test]
    fn a_damaged_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let (mut s, _) = open(&path).unwrap();
            for i in 0..200 {
                let t = transition(now_ms() + i, Some(Status::Ok), Status::Critical);
                s.record_transitions(&[t], &announced(Status::Critical))
                    .unwrap();
            }
            s.conn
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                .unwrap();
        }
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 8192, "{}", bytes.len());
        // Garble the second page onwards (page 1 holds the header and the schema).
        for b in &mut bytes[4096..8192] {
            *b = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();
        let e = format!("{:#}", open(&path).unwrap_err());
        assert!(e.contains("is corrupt"), "{e}");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        drop(open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 99;").unwrap();
        drop(conn);
        let e = format!("{:#}", open(&path).unwrap_err());
        assert!(
            e.contains("written by a newer archcheck (state schema version 99")
                && e.contains(&format!("reads versions up to {SCHEMA_VERSION}")),
            "{e}"
        );
    }

    #[test]
    fn another_applications_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(conn);
        let e = format!("{:#}", open(&path).unwrap_err());
        assert!(e.contains("not an archcheck state file"), "{e}");
    }

    #[test]
    fn old_rows_are_pruned_but_the_last_announcement_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let (mut s, _) = open(&path).unwrap();
            let old = now_ms() - 40 * 86_400_000;
            s.record_transitions(
                &[transition(old, Some(Status::Ok), Status::Critical)],
                &announced(Status::Critical),
            )
            .unwrap();
            s.record_round(&RoundRecord {
                observed_at: SystemTime::UNIX_EPOCH + Duration::from_millis(old as u64),
                completed_at: SystemTime::UNIX_EPOCH + Duration::from_millis(old as u64),
                duration: Duration::from_millis(5),
                requests: Some(3),
                judgement: "fresh",
                statuses: vec![("staging".into(), Status::Critical)],
            })
            .unwrap();
            s.record_transitions(
                &[transition(now_ms(), Some(Status::Critical), Status::Ok)],
                &announced(Status::Ok),
            )
            .unwrap();
        }
        let (_s, restored) = open(&path).unwrap();
        assert_eq!(restored.timeline.len(), 1, "{:#?}", restored.timeline);
        assert_eq!(restored.timeline[0].status, Status::Ok);
        assert_eq!(restored.announced["staging"].status, Status::Ok);
        let r = Reader::open(&path).unwrap();
        assert!(r.rounds(None).unwrap().is_empty());
    }

    #[test]
    fn secrets_are_redacted_before_they_are_stored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        crate::secret::remember("store-test-secret-0987");
        let mut t = transition(now_ms(), None, Status::Unknown);
        t.changed_checks[0].cause = Some("401 for token store-test-secret-0987".into());
        {
            let (mut s, _) = open(&path).unwrap();
            s.record_transitions(&[t], &announced(Status::Unknown))
                .unwrap();
        }
        let r = Reader::open(&path).unwrap();
        let stored = r.transitions(None, None).unwrap();
        assert_eq!(
            stored[0].changed_checks[0].cause.as_deref(),
            Some("401 for token [redacted]")
        );
    }
}
