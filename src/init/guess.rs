//! What `archcheck init` guesses from names, because a manifest names service instances and
//! nothing else about them: the kind of an instance (from its offering when known, else from
//! its name), and whether it is user-provided (from its name). Every guess is written with a
//! review mark saying what it was guessed from.

use crate::model::ServiceKind;

/// Words that suggest a kind, checked in this order against the words of a name (split at
/// `-`, `_`, `.` and `/`, lower case, trailing version digits dropped: `redis28` is `redis`).
const KIND_WORDS: &[(ServiceKind, &[&str])] = &[
    (
        ServiceKind::Database,
        &[
            "db",
            "database",
            "rds",
            "postgres",
            "postgresql",
            "psql",
            "pg",
            "mysql",
            "mariadb",
            "sql",
            "mssql",
            "oracle",
            "aurora",
            "mongodb",
            "mongo",
            "dynamodb",
            "cassandra",
            "cockroachdb",
            "couchdb",
        ],
    ),
    (
        ServiceKind::Queue,
        &[
            "queue", "mq", "rabbitmq", "rabbit", "amqp", "sqs", "kafka", "nats", "jobs",
        ],
    ),
    (
        ServiceKind::Search,
        &["search", "elasticsearch", "opensearch", "es", "solr"],
    ),
    (
        ServiceKind::Cache,
        &[
            "cache",
            "redis",
            "memcached",
            "memcache",
            "elasticache",
            "valkey",
        ],
    ),
    (
        ServiceKind::Storage,
        &[
            "s3",
            "storage",
            "bucket",
            "blob",
            "blobstore",
            "files",
            "minio",
            "volume",
            "nfs",
        ],
    ),
    (
        ServiceKind::Monitoring,
        &[
            "newrelic",
            "sentry",
            "datadog",
            "apm",
            "monitor",
            "monitoring",
            "metrics",
            "prometheus",
            "dynatrace",
            "appdynamics",
        ],
    ),
    (
        ServiceKind::Logging,
        &[
            "log",
            "logs",
            "logging",
            "logdrain",
            "drain",
            "syslog",
            "papertrail",
            "splunk",
            "loggly",
        ],
    ),
    (
        ServiceKind::Email,
        &[
            "email", "mail", "smtp", "sendgrid", "ses", "mailgun", "postmark",
        ],
    ),
    (
        ServiceKind::Identity,
        &[
            "oauth", "auth", "uaa", "identity", "sso", "login", "saml", "oidc",
        ],
    ),
    (
        ServiceKind::Config,
        &[
            "config",
            "configuration",
            "param",
            "params",
            "settings",
            "secrets",
            "credentials",
            "creds",
            "vault",
            "properties",
            "env",
        ],
    ),
];

/// The words of a name or offering: split at `-`, `_`, `.`, `/` and spaces, lower case,
/// placeholders (`{env}`) dropped, trailing digits dropped from words that are not only
/// digits (`redis28` -> `redis`, `s3` stays: a letter and a digit are a word of their own).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(['-', '_', '.', '/', ' '])
        .filter(|w| !w.is_empty() && !w.starts_with('{'))
        .map(|w| {
            let w = w.to_lowercase();
            let stem = w.trim_end_matches(|c: char| c.is_ascii_digit());
            if stem.len() >= 3 { stem.to_owned() } else { w }
        })
        .collect()
}

/// The kind a name or offering suggests, and the word that suggests it.
pub(crate) fn kind_from(text: &str) -> Option<(ServiceKind, String)> {
    let words = words(text);
    KIND_WORDS.iter().find_map(|(kind, hints)| {
        words
            .iter()
            .find(|w| hints.contains(&w.as_str()))
            .map(|w| (*kind, w.clone()))
    })
}

/// The kind of an instance and why: from its offering when one is known, else from its
/// name; `other` when neither says.
pub(crate) fn kind(offering: Option<&str>, name: &str) -> (ServiceKind, String) {
    if let Some(o) = offering
        && let Some((k, word)) = kind_from(o)
    {
        return (k, format!("from the offering `{o}` (`{word}`)"));
    }
    match kind_from(name) {
        Some((k, word)) => (k, format!("from the instance name `{name}` (`{word}`)")),
        None => (
            ServiceKind::Other,
            format!("nothing in the instance name `{name}` suggests a kind"),
        ),
    }
}

/// Whether an instance name says it is user-provided (`ups`, `cups`, `user-provided`), and
/// the word that says so.
pub(crate) fn user_provided(name: &str) -> Option<String> {
    let words = words(name);
    if let Some(w) = words
        .iter()
        .find(|w| matches!(w.as_str(), "ups" | "cups" | "upsi" | "userprovided"))
    {
        return Some(w.clone());
    }
    words
        .windows(2)
        .any(|p| p[0] == "user" && p[1] == "provided")
        .then(|| "user-provided".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_offerings_and_names() {
        for (text, kind) in [
            ("aws-rds", ServiceKind::Database),
            ("redis28", ServiceKind::Cache),
            ("aws-elasticache-redis", ServiceKind::Cache),
            ("elasticsearch23", ServiceKind::Search),
            ("c2-{env}-db", ServiceKind::Database),
            ("c2-{env}-ups-s3", ServiceKind::Storage),
            ("c2-{env}-ups-newrelic", ServiceKind::Monitoring),
            ("c2-{env}-ups-app_param", ServiceKind::Config),
            ("c2-{env}-ups-oauth", ServiceKind::Identity),
            ("notify-queue-dev", ServiceKind::Queue),
            ("cloud-gov-service-account", ServiceKind::Other),
        ] {
            let got = kind_from(text).map(|(k, _)| k).unwrap_or_default();
            assert_eq!(got, kind, "{text}");
        }
        let (k, why) = kind(Some("aws-rds"), "x-db");
        assert_eq!(k, ServiceKind::Database);
        assert_eq!(why, "from the offering `aws-rds` (`rds`)");
        let (k, why) = kind(Some("custom-broker-thing"), "x-{env}-db");
        assert_eq!(k, ServiceKind::Database);
        assert!(why.contains("instance name"), "{why}");
        let (k, why) = kind(None, "x-thing");
        assert_eq!(k, ServiceKind::Other);
        assert!(why.starts_with("nothing"), "{why}");
    }

    #[test]
    fn user_provided_from_names() {
        assert_eq!(user_provided("c2-{env}-ups-s3").as_deref(), Some("ups"));
        assert_eq!(
            user_provided("my-user-provided-creds").as_deref(),
            Some("user-provided")
        );
        assert_eq!(user_provided("c2-{env}-db"), None);
        assert_eq!(user_provided("groups-db"), None);
    }
}
