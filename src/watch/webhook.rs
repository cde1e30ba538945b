//! Webhook alerts: on every status change of an environment (the first announcement after
//! start, and changes to and from UNKNOWN, included) one JSON message per webhook, delivered
//! in order, retried on transient failures, with a timeout; a failure is logged and counted,
//! never fatal.
//!
//! Each webhook has a bounded [`Outbox`]: at most one waiting message per environment (and
//! one being delivered). A newer message about an environment whose message still waits
//! replaces it by their net change ([`coalesce`]), counted as superseded, so a slow receiver
//! and a flapping status cannot pile messages up. At shutdown ([`Deliveries::finish`]) what
//! waits is delivered within a grace period; what is left then is logged (scheme and host of
//! the webhook only) and counted.
//!
//! The body ([`Message`], `format_version` 1) carries a Slack-compatible `text` (the
//! headline, and the causes the audit events gave). Webhook URLs often hold a secret in their path (Slack's do): only their scheme
//! and host ([`redact`]) are ever printed or exported.

use super::state::{Announced, Inner, Shared, count_delivery, human};
use crate::report::headline;
use crate::verify::{Status, Verdict};
use backon::{ExponentialBuilder, Retryable};
use reqwest::Url;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Longest wait for one delivery attempt.
pub(crate) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries after the first attempt.
pub(crate) const RETRIES: usize = 3;

/// One check whose status changed since the last message about its environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ChangedCheck {
    pub id: String,
    /// `null` in the first message after start.
    pub previous: Option<Status>,
    pub status: Status,
    pub message: String,
    /// Who or what caused it, from the audit events, when they were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// The webhook body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Message {
    pub format_version: u32,
    pub system: String,
    pub environment: String,
    /// `null` in the first message after start.
    pub previous: Option<Status>,
    pub status: Status,
    /// The environment's report headline, e.g. `CRITICAL: staging: c2-staging-worker lost
    /// its binding to c2-staging-redis (queue)`.
    pub headline: String,
    pub changed_checks: Vec<ChangedCheck>,
    /// RFC 3339 UTC: when the message was made.
    pub at: String,
    /// RFC 3339 UTC: when the evidence behind `status` was read (its round's requests
    /// started); `null` when there is no fresh evidence (the status is then UNKNOWN).
    pub observed_at: Option<String>,
    /// For Slack and compatible receivers: the headline, then `cause: ...` for each distinct
    /// cause an audit event gave a changed check.
    pub text: String,
}

/// A webhook URL, checked; never printed in full.
#[derive(Clone)]
pub(crate) struct Webhook {
    url: Url,
    /// Scheme and host only.
    pub target: String,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook({})", self.target)
    }
}

impl Webhook {
    /// Checks a `--webhook` URL; the error names only its scheme and host.
    pub(crate) fn parse(raw: &str) -> anyhow::Result<Webhook> {
        let url = Url::parse(raw.trim()).map_err(|e| {
            anyhow::anyhow!(
                "--webhook `{}` is not a URL ({e}); give e.g. https://hooks.slack.com/services/...",
                redact_raw(raw)
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            anyhow::bail!(
                "--webhook `{}` must be an http:// or https:// URL",
                redact_raw(raw)
            );
        }
        // The path and query are the secret part (a Slack hook's token is its path).
        crate::secret::remember(url.as_str());
        crate::secret::remember(url.path());
        if let Some(query) = url.query() {
            crate::secret::remember(query);
        }
        Ok(Webhook {
            target: redact(&url),
            url,
        })
    }
}

/// `https://hooks.slack.com` for `https://hooks.slack.com/services/T0/B0/SECRET`: scheme,
/// host and port, never user, path or query.
pub(crate) fn redact(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(p) => format!("{}://{host}:{p}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// [`redact`] for text that may not parse: whatever precedes the first `/` after `://`, and
/// never a `user:password@`.
fn redact_raw(raw: &str) -> String {
    let raw = raw.trim();
    let (scheme, rest) = raw.split_once("://").unwrap_or(("", raw));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if scheme.is_empty() {
        "<not a URL>".to_owned()
    } else {
        format!("{scheme}://{host}")
    }
}

/// The messages a verdict calls for, given what was last announced (`None`: nothing yet),
/// and what is announced after them. An environment gets a message when its status or the
/// status of any of its checks changed.
pub(crate) fn changes(
    verdict: &Verdict,
    announced: Option<&BTreeMap<String, Announced>>,
    at: &str,
) -> (Vec<Message>, BTreeMap<String, Announced>) {
    let mut messages = Vec::new();
    let mut next = announced.cloned().unwrap_or_default();
    for env in &verdict.environments {
        let before = announced.and_then(|a| a.get(&env.name));
        let checks: BTreeMap<String, Status> = verdict
            .checks_for(&env.name)
            .map(|c| (c.id.clone(), c.status))
            .collect();
        // Causes an audit event gave a changed check, for the message's text.
        let mut causes: Vec<&str> = Vec::new();
        let changed_checks = verdict
            .checks_for(&env.name)
            .filter_map(|c| {
                let previous = before.and_then(|b| b.checks.get(&c.id).copied());
                let changed = match previous {
                    Some(p) => p != c.status,
                    // First word on it: only what is not OK is news.
                    None => c.status != Status::Ok,
                };
                if changed
                    && let Some(e) = c.explained.as_ref().filter(|e| e.event.is_some())
                    && !causes.contains(&e.text.as_str())
                {
                    causes.push(&e.text);
                }
                changed.then(|| ChangedCheck {
                    id: c.id.clone(),
                    previous,
                    status: c.status,
                    message: c.message.clone(),
                    cause: c.explained.as_ref().map(|e| e.text.clone()),
                })
            })
            .collect::<Vec<_>>();
        // Same status and no check changed: nothing to say. A check that changed inside an
        // unchanged status (the incident's half-repair: database back, queue still lost, still
        // CRITICAL) is news too.
        if before.is_some_and(|b| b.status == env.status) && changed_checks.is_empty() {
            continue;
        }
        let headline = env_headline(verdict, &env.name);
        messages.push(Message {
            format_version: 1,
            system: verdict.system.clone(),
            environment: env.name.clone(),
            previous: before.map(|b| b.status),
            status: env.status,
            text: slack_text(&headline, &causes),
            headline,
            changed_checks,
            at: at.to_owned(),
            observed_at: None,
        });
        next.insert(
            env.name.clone(),
            Announced {
                status: env.status,
                checks,
            },
        );
    }
    (messages, next)
}

/// Most causes a message's `text` says.
const TEXT_CAUSES: usize = 3;

/// The headline, then a line for each distinct cause an audit event gave a changed check
/// (`cause: binding deleted by ci-deployer (user) at ...`), at most [`TEXT_CAUSES`].
fn slack_text(headline: &str, causes: &[&str]) -> String {
    let mut text = headline.to_owned();
    for cause in causes.iter().take(TEXT_CAUSES) {
        text.push_str(&format!("\ncause: {cause}"));
    }
    text
}

/// The report headline of one environment of a verdict.
pub(crate) fn env_headline(verdict: &Verdict, env: &str) -> String {
    // Only this environment's part is copied: a large verdict is not cloned whole.
    let environments: Vec<_> = verdict
        .environments
        .iter()
        .filter(|e| e.name == env)
        .cloned()
        .collect();
    let one = Verdict {
        system: verdict.system.clone(),
        status: environments.first().map_or(Status::Unknown, |e| e.status),
        checks: if environments.is_empty() {
            Vec::new()
        } else {
            verdict.checks_for(env).cloned().collect()
        },
        environments,
    };
    headline(&one)
}

/// One message that replaces `older`, a message about the same environment still waiting
/// to be delivered, and `newer`: their net change, as if `older` had never been made
/// (`previous` and each check's `previous` from `older`, everything else from `newer`).
/// `None` when nothing changed on the whole (e.g. OK to CRITICAL and back): then neither is
/// news any more.
pub(crate) fn coalesce(older: &Message, newer: &Message) -> Option<Message> {
    let mut checks: Vec<ChangedCheck> = older.changed_checks.clone();
    for n in &newer.changed_checks {
        match checks.iter_mut().find(|c| c.id == n.id) {
            Some(c) => {
                c.status = n.status;
                c.message = n.message.clone();
                c.cause.clone_from(&n.cause);
            }
            None => checks.push(n.clone()),
        }
    }
    if older.previous.is_none() {
        // Still the first word on the environment: no check has a previous status either.
        for c in &mut checks {
            c.previous = None;
        }
    }
    checks.retain(|c| match c.previous {
        Some(p) => p != c.status,
        // First word on it: only what is not OK is news.
        None => c.status != Status::Ok,
    });
    if older.previous == Some(newer.status) && checks.is_empty() {
        return None;
    }
    Some(Message {
        previous: older.previous,
        changed_checks: checks,
        ..newer.clone()
    })
}

/// What waits to be delivered to one webhook: at most one message per environment.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    /// Waiting, oldest first; never two about the same environment.
    pub pending: VecDeque<Message>,
    /// The message being delivered (out of `pending`).
    pub in_flight: Option<Message>,
    /// Shutdown began: nothing more is queued.
    pub closed: bool,
}

impl Outbox {
    /// Queues `message`, coalescing it with a waiting one about the same environment;
    /// returns how many messages were superseded (0, 1, or 2 when the two cancel out).
    pub(crate) fn push(&mut self, message: &Message) -> u64 {
        if self.closed {
            return 0;
        }
        match self
            .pending
            .iter()
            .position(|p| p.environment == message.environment)
        {
            Some(i) => match coalesce(&self.pending[i], message) {
                Some(merged) => {
                    self.pending[i] = merged;
                    1
                }
                None => {
                    self.pending.remove(i);
                    2
                }
            },
            None => {
                self.pending.push_back(message.clone());
                0
            }
        }
    }

    /// Everything not delivered: the message in flight, then those waiting.
    fn undelivered(&mut self) -> Vec<Message> {
        self.in_flight
            .take()
            .into_iter()
            .chain(self.pending.drain(..))
            .collect()
    }
}

/// `staging CRITICAL (was OK)`.
fn describe_message(m: &Message) -> String {
    match m.previous {
        Some(p) => format!("{} {} (was {p})", m.environment, m.status),
        None => format!("{} {} (first round)", m.environment, m.status),
    }
}

/// Queues messages for every webhook, each delivered in order, without blocking the caller.
#[derive(Clone)]
pub(crate) struct Senders {
    shared: Arc<Shared>,
    /// One per webhook: wakes its delivery task.
    wake: Vec<Arc<Notify>>,
}

/// The delivery tasks, one per webhook, until [`Deliveries::finish`].
pub(crate) struct Deliveries {
    senders: Senders,
    tasks: Vec<JoinHandle<()>>,
    targets: Vec<String>,
}

impl Senders {
    /// Starts one delivery task per webhook (on the current tokio runtime), with the tasks to
    /// finish at shutdown; the outboxes are those of `shared`, one per webhook in the same
    /// order.
    pub(crate) fn start_deliveries(
        webhooks: Vec<Webhook>,
        shared: Arc<Shared>,
    ) -> anyhow::Result<(Senders, Deliveries)> {
        // No redirects: a 301/302 would turn the POST into a body-less GET (a 200 to it is no
        // delivery) and send the secret URL on as a Referer. A 3xx is a failed delivery.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .timeout(ATTEMPT_TIMEOUT)
            .user_agent(concat!("archcheck/", env!("CARGO_PKG_VERSION"), " (watch)"))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the webhook HTTP client: {e}"))?;
        let mut wake = Vec::new();
        let mut tasks = Vec::new();
        let mut targets = Vec::new();
        for (i, hook) in webhooks.into_iter().enumerate() {
            let notify = Arc::new(Notify::new());
            targets.push(hook.target.clone());
            tasks.push(tokio::spawn(deliver_all(
                i,
                client.clone(),
                hook,
                shared.clone(),
                notify.clone(),
            )));
            wake.push(notify);
        }
        let senders = Senders { shared, wake };
        Ok((
            senders.clone(),
            Deliveries {
                senders,
                tasks,
                targets,
            },
        ))
    }

    /// Queues a message for every webhook, with the state already locked (so announcements keep
    /// their order).
    pub(crate) fn queue(&self, inner: &mut Inner, message: &Message) {
        for (i, notify) in self.wake.iter().enumerate() {
            let Some(outbox) = inner.outboxes.get_mut(i) else {
                continue;
            };
            let superseded = outbox.push(message);
            if superseded > 0 {
                *inner.counters.webhook_superseded.entry(i + 1).or_default() += superseded;
                tracing::warn!(
                    "webhook {} ({}): {superseded} message(s) about {} superseded before \
                     delivery (the receiver is slow); only the net change, if any, is sent",
                    i + 1,
                    self.shared
                        .webhook_targets
                        .get(i)
                        .map_or("?", String::as_str),
                    message.environment
                );
            }
            notify.notify_one();
        }
    }
}

impl Deliveries {
    /// Stops queueing, gives the delivery tasks `grace` to deliver what waits (and what is
    /// being delivered), then stops them; logs and counts what was not delivered, naming
    /// each webhook by its scheme and host only. Returns how many messages were not
    /// delivered.
    pub(crate) async fn finish(mut self, grace: Duration) -> u64 {
        let shared = self.senders.shared.clone();
        let waiting: usize = {
            let mut inner = shared.lock();
            inner
                .outboxes
                .iter_mut()
                .map(|o| {
                    o.closed = true;
                    o.pending.len() + usize::from(o.in_flight.is_some())
                })
                .sum()
        };
        for n in &self.senders.wake {
            n.notify_one();
        }
        if waiting > 0 {
            crate::eprintln_redacted!(
                "archcheck watch: stopping: {waiting} webhook message(s) to deliver, for up to {}",
                human(grace)
            );
        }
        let deadline = tokio::time::Instant::now() + grace;
        let mut unfinished = Vec::new();
        for mut t in self.tasks.drain(..) {
            if tokio::time::timeout_at(deadline, &mut t).await.is_err() {
                unfinished.push(t);
            }
        }
        // Stopped at an await point: once they are awaited, no task touches the outboxes.
        for t in &unfinished {
            t.abort();
        }
        for t in unfinished {
            let _ = t.await;
        }
        let mut inner = shared.lock();
        let mut total = 0;
        for i in 0..inner.outboxes.len() {
            let lost = inner.outboxes[i].undelivered();
            if lost.is_empty() {
                continue;
            }
            total += lost.len() as u64;
            *inner
                .counters
                .webhook_undelivered_at_shutdown
                .entry(i + 1)
                .or_default() += lost.len() as u64;
            let line = format!(
                "webhook {} ({}): {} message(s) not delivered before shutdown (grace {}): {}",
                i + 1,
                self.targets.get(i).map_or("?", String::as_str),
                lost.len(),
                human(grace),
                lost.iter()
                    .map(describe_message)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            tracing::warn!("{line}");
            crate::eprintln_redacted!("archcheck watch: {line}");
        }
        total
    }
}

/// What the delivery task does next.
enum Step {
    Send(Message),
    Wait,
    Done,
}

/// Delivers the messages of outbox `i` in order until it is closed and empty.
async fn deliver_all(
    i: usize,
    client: reqwest::Client,
    hook: Webhook,
    shared: Arc<Shared>,
    wake: Arc<Notify>,
) {
    let n = i + 1;
    loop {
        let step = {
            let mut inner = shared.lock();
            let outbox = &mut inner.outboxes[i];
            match outbox.pending.pop_front() {
                Some(m) => {
                    outbox.in_flight = Some(m.clone());
                    Step::Send(m)
                }
                None if outbox.closed => Step::Done,
                None => Step::Wait,
            }
        };
        let message = match step {
            Step::Done => return,
            // A notification sent while nothing waited is kept for this wait.
            Step::Wait => {
                wake.notified().await;
                continue;
            }
            Step::Send(m) => m,
        };
        let body = serde_json::to_vec(&message).unwrap_or_default();
        let body = Arc::new(crate::secret::redact_bytes(&body).into_owned());
        let result = deliver(&client, &hook, &body).await;
        {
            let mut inner = shared.lock();
            inner.outboxes[i].in_flight = None;
            count_delivery(&mut inner, n, result.is_ok());
        }
        if let Err(e) = result {
            tracing::warn!(
                "webhook {n} ({}): message not delivered after {} attempts: {e}",
                hook.target,
                RETRIES + 1
            );
        }
    }
}

/// Why one attempt failed; never contains the URL.
#[derive(Debug)]
struct Failure {
    text: String,
    retryable: bool,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A transport error with its causes (`error sending request: tcp connect error: Connection
/// refused`), without the URL: it may hold the webhook's secret.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

async fn deliver(
    client: &reqwest::Client,
    hook: &Webhook,
    body: &Arc<Vec<u8>>,
) -> Result<(), Failure> {
    let backoff = ExponentialBuilder::new()
        .with_jitter()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(5))
        .with_max_times(RETRIES);
    (|| async {
        let answer = client
            .post(hook.url.clone())
            .header("content-type", "application/json")
            .body(body.as_ref().clone())
            .send()
            .await
            .map_err(|e| Failure {
                text: describe(e),
                retryable: true,
            })?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(Failure {
                text: if status.is_redirection() {
                    format!("the receiver answered HTTP {status} (a redirect, not followed: give the final URL)")
                } else {
                    format!("the receiver answered HTTP {status}")
                },
                retryable: status.is_server_error()
                    || status.as_u16() == 429
                    || status.as_u16() == 408,
            })
        }
    })
    .retry(backoff)
    .sleep(tokio::time::sleep)
    .when(|f: &Failure| f.retryable)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::Element;

    fn model() -> crate::model::Model {
        crate::model::c2_for_tests()
    }

    fn verdict(lost: &[(&str, &str)]) -> Verdict {
        let m = model();
        let mut v =
            crate::watch::state::unknown_verdict(&m, &["staging".into(), "prod".into()], "x");
        for c in &mut v.checks {
            c.status = Status::Ok;
            if let Element::Binding { app, service } = &c.element
                && c.environment == "staging"
                && lost.contains(&(app.as_str(), service.as_str()))
            {
                c.status = Status::Critical;
                c.message = format!("{app} lost its binding to {service}");
            }
        }
        for e in &mut v.environments {
            e.status = Status::worst(
                v.checks
                    .iter()
                    .filter(|c| c.environment == e.name)
                    .map(|c| c.status),
            );
        }
        v.status = Status::worst(v.environments.iter().map(|e| e.status));
        v
    }

    #[test]
    fn the_first_round_announces_every_environment_with_no_previous() {
        let v = verdict(&[]);
        let (msgs, next) = changes(&v, None, "2026-01-01T00:00:00Z");
        assert_eq!(msgs.len(), 2);
        assert!(
            msgs.iter()
                .all(|m| m.previous.is_none() && m.status == Status::Ok)
        );
        assert!(msgs.iter().all(|m| m.changed_checks.is_empty()));
        assert_eq!(next["staging"].status, Status::Ok);
        // Nothing changed: nothing to say.
        let (again, _) = changes(&v, Some(&next), "t");
        assert!(again.is_empty());
    }

    #[test]
    fn a_half_repair_inside_critical_is_announced() {
        let (_, ok) = changes(&verdict(&[]), None, "t0");
        let (_, both) = changes(
            &verdict(&[("worker", "queue"), ("worker", "db")]),
            Some(&ok),
            "t1",
        );
        // The database binding comes back; the queue binding is still lost: still CRITICAL.
        let (msgs, _) = changes(&verdict(&[("worker", "queue")]), Some(&both), "t2");
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        let m = &msgs[0];
        assert_eq!(
            (m.previous, m.status),
            (Some(Status::Critical), Status::Critical)
        );
        assert_eq!(m.changed_checks.len(), 1);
        assert_eq!(m.changed_checks[0].id, "staging/binding/worker->db");
        assert_eq!(m.changed_checks[0].status, Status::Ok);
        assert!(m.headline.contains("queue"), "{}", m.headline);
    }

    #[test]
    fn a_lost_binding_is_one_message_for_its_environment_naming_the_check() {
        let (_, ok) = changes(&verdict(&[]), None, "t0");
        let (msgs, next) = changes(&verdict(&[("worker", "queue")]), Some(&ok), "t1");
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        let m = &msgs[0];
        assert_eq!(m.environment, "staging");
        assert_eq!(m.previous, Some(Status::Ok));
        assert_eq!(m.status, Status::Critical);
        assert_eq!(m.changed_checks.len(), 1);
        assert_eq!(m.changed_checks[0].id, "staging/binding/worker->queue");
        assert_eq!(m.changed_checks[0].previous, Some(Status::Ok));
        assert_eq!(m.text, m.headline);
        assert!(
            m.headline.starts_with("CRITICAL: staging"),
            "{}",
            m.headline
        );
        let json = serde_json::to_value(m).unwrap();
        for k in [
            "format_version",
            "system",
            "environment",
            "previous",
            "status",
            "headline",
            "changed_checks",
            "at",
            "text",
        ] {
            assert!(json.get(k).is_some(), "{k} missing in {json}");
        }
        assert_eq!(json["previous"], "OK");
        assert_eq!(json["status"], "CRITICAL");
        // And back.
        let (back, _) = changes(&verdict(&[]), Some(&next), "t2");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].status, Status::Ok);
        assert_eq!(back[0].changed_checks[0].previous, Some(Status::Critical));
    }

    #[test]
    fn webhook_urls_are_printed_as_scheme_and_host_only() {
        let h = Webhook::parse("https://hooks.slack.com/services/T000/B000/XXXXSECRET").unwrap();
        assert_eq!(h.target, "https://hooks.slack.com");
        assert_eq!(format!("{h:?}"), "Webhook(https://hooks.slack.com)");
        let h = Webhook::parse("http://user:pw@127.0.0.1:8080/hook?token=s3cret").unwrap();
        assert_eq!(h.target, "http://127.0.0.1:8080");
        let e = Webhook::parse("ftp://host/secretpath")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secretpath"), "{e}");
        let e = Webhook::parse("https://user:pw@[bad/secretpath")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secretpath") && !e.contains("pw"), "{e}");
    }

    /// The messages for `staging` along `steps` (lost bindings at each step), after a first
    /// announcement of `start`.
    fn sequence(start: &[(&str, &str)], steps: &[&[(&str, &str)]]) -> Vec<Message> {
        let (_, mut announced) = changes(&verdict(start), None, "t0");
        let mut out = Vec::new();
        for (i, lost) in steps.iter().enumerate() {
            let (msgs, next) = changes(&verdict(lost), Some(&announced), &format!("t{}", i + 1));
            announced = next;
            out.extend(msgs.into_iter().filter(|m| m.environment == "staging"));
        }
        out
    }

    #[test]
    fn coalesced_messages_say_the_net_change_and_cancel_out_when_there_is_none() {
        let q: &[(&str, &str)] = &[("worker", "queue")];
        let qd: &[(&str, &str)] = &[("worker", "queue"), ("worker", "db")];
        // OK -> CRITICAL (queue) -> CRITICAL (queue and db): OK -> CRITICAL, both checks.
        let m = sequence(&[], &[q, qd]);
        let c = coalesce(&m[0], &m[1]).unwrap();
        assert_eq!((c.previous, c.status), (Some(Status::Ok), Status::Critical));
        assert_eq!(c.at, "t2");
        let ids: Vec<(&str, Option<Status>, Status)> = c
            .changed_checks
            .iter()
            .map(|c| (c.id.as_str(), c.previous, c.status))
            .collect();
        assert_eq!(
            ids,
            [
                (
                    "staging/binding/worker->queue",
                    Some(Status::Ok),
                    Status::Critical
                ),
                (
                    "staging/binding/worker->db",
                    Some(Status::Ok),
                    Status::Critical
                )
            ]
        );
        // OK -> CRITICAL -> OK: nothing happened as far as the receiver can still be told.
        let m = sequence(&[], &[q, &[]]);
        assert_eq!(coalesce(&m[0], &m[1]), None);
        // CRITICAL (queue, db) -> CRITICAL (queue) -> OK: CRITICAL -> OK, both back.
        let m = sequence(qd, &[q, &[]]);
        let c = coalesce(&m[0], &m[1]).unwrap();
        assert_eq!((c.previous, c.status), (Some(Status::Critical), Status::Ok));
        assert_eq!(c.changed_checks.len(), 2, "{c:#?}");
        assert!(c.changed_checks.iter().all(|c| c.status == Status::Ok));
    }

    #[test]
    fn an_outbox_holds_at_most_one_message_per_environment_and_counts_what_it_drops() {
        let q: &[(&str, &str)] = &[("worker", "queue")];
        let mut outbox = Outbox::default();
        let (first, _) = changes(&verdict(&[]), None, "t0");
        for m in &first {
            assert_eq!(outbox.push(m), 0);
        }
        assert_eq!(outbox.pending.len(), 2, "staging and prod");
        // A flapping staging: OK -> CRITICAL -> OK ... ten times while nothing is delivered.
        let steps: Vec<&[(&str, &str)]> =
            (0..10).map(|i| if i % 2 == 0 { q } else { &[] }).collect();
        let mut superseded = 0;
        for m in sequence(&[], &steps) {
            superseded += outbox.push(&m);
            assert!(outbox.pending.len() <= 2, "{:#?}", outbox.pending);
        }
        // Each change was folded into the first round's message about staging, still waiting.
        assert_eq!(superseded, 10);
        assert_eq!(outbox.pending.len(), 2);
        let staging = outbox
            .pending
            .iter()
            .find(|m| m.environment == "staging")
            .unwrap();
        assert_eq!((staging.previous, staging.status), (None, Status::Ok));
        assert!(staging.changed_checks.is_empty(), "{staging:#?}");
        assert_eq!(staging.at, "t10");
        // Folded into a first message, a loss is listed as first word (no previous status).
        let mut first_only = Outbox::default();
        first_only.push(first.iter().find(|m| m.environment == "staging").unwrap());
        first_only.push(&sequence(&[], &[q])[0]);
        let c = &first_only.pending[0];
        assert_eq!((c.previous, c.status), (None, Status::Critical));
        assert_eq!(c.changed_checks.len(), 1);
        assert_eq!(c.changed_checks[0].previous, None);
        // Once the first messages are out, a flap cancels out and an odd one is the net change.
        outbox.pending.clear();
        let m = sequence(&[], &[q, &[], q]);
        assert_eq!(outbox.push(&m[0]), 0);
        assert_eq!(outbox.push(&m[1]), 2);
        assert!(outbox.pending.is_empty());
        assert_eq!(outbox.push(&m[2]), 0);
        assert_eq!(outbox.pending[0].status, Status::Critical);
        // Closed at shutdown: nothing more is queued.
        outbox.closed = true;
        assert_eq!(outbox.push(&m[1]), 0);
        assert_eq!(outbox.pending.len(), 1);
    }

    fn shared() -> Arc<Shared> {
        Arc::new(Shared::new(
            Arc::new(model()),
            vec!["staging".into()],
            Duration::from_secs(60),
            vec!["http://127.0.0.1".into()],
        ))
    }

    /// Waits (bounded) until the webhook's message was settled, delivered or failed.
    async fn settled(shared: &Shared) -> (u64, u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let c = shared.lock().counters.clone();
            let (d, f) = (
                c.webhook_delivered.get(&1).copied().unwrap_or(0),
                c.webhook_failed.get(&1).copied().unwrap_or(0),
            );
            if d + f > 0 || std::time::Instant::now() > deadline {
                return (d, f);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends one message to a webhook at `base` (with a secret path) and waits until it is
    /// settled: (delivered, failed).
    async fn send_one(base: &str) -> (u64, u64) {
        let shared = shared();
        let hook = Webhook::parse(&format!("{base}/services/T0/SECRET")).unwrap();
        let (senders, _) = Senders::start_deliveries(vec![hook], shared.clone()).unwrap();
        senders.queue(&mut shared.lock(), &message());
        settled(&shared).await
    }

    fn message() -> Message {
        let (msgs, _) = changes(&verdict(&[("worker", "queue")]), None, "t");
        msgs.into_iter()
            .find(|m| m.environment == "staging")
            .unwrap()
    }

    #[tokio::test]
    async fn a_transient_failure_is_retried_and_then_delivered() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers};
        let server = MockServer::start().await;
        Mock::given(matchers::method("POST"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(matchers::method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        assert_eq!(send_one(&server.uri()).await, (1, 0));
        let got = server.received_requests().await.unwrap();
        assert_eq!(got.len(), 2);
        let body: serde_json::Value = serde_json::from_slice(&got[1].body).unwrap();
        assert_eq!(body["environment"], "staging");
        assert_eq!(body["status"], "CRITICAL");
        assert_eq!(got[1].headers["content-type"], "application/json");
    }

    /// A redirect is never followed: the message would arrive as a body-less GET, and the
    /// secret URL would travel on as a Referer (issue 9, item 10).
    #[tokio::test]
    async fn a_redirect_is_a_failed_delivery_and_never_followed() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers};
        let server = MockServer::start().await;
        Mock::given(matchers::method("POST"))
            .respond_with(
                ResponseTemplate::new(301)
                    .insert_header("location", format!("{}/moved", server.uri()).as_str()),
            )
            .mount(&server)
            .await;
        Mock::given(matchers::method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        assert_eq!(send_one(&server.uri()).await, (0, 1));
        let got = server.received_requests().await.unwrap();
        assert_eq!(
            got.len(),
            1,
            "only the POST, no GET to the redirect's target"
        );
        assert!(got.iter().all(|r| !r.headers.contains_key("referer")));
    }

    #[tokio::test]
    async fn a_refusal_is_not_retried_and_is_counted_as_failed() {
        use wiremock::{Mock, MockServer, ResponseTemplate, matchers};
        let server = MockServer::start().await;
        Mock::given(matchers::method("POST"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        assert_eq!(send_one(&server.uri()).await, (0, 1));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}
