//! Integration tests: `archcheck watch --web-config` with `tls_server_config` (issue 11 item
//! 4): HTTPS with a certificate made here (rcgen), checked by a real HTTP client (reqwest
//! over rustls), with basic auth on top, and with client certificates. Every wait is
//! bounded; nothing is timed.

use crate::harness;
use crate::watch::{RT, Watcher, sim, wait_for};
use archcheck::sim::SimHandle;
use std::path::Path;
use std::time::Duration;

/// A CA and the certificates it signed, as PEM.
struct Pki {
    ca: String,
    /// For localhost and 127.0.0.1.
    server_cert: String,
    server_key: String,
    /// A client's certificate and key (one PEM, as reqwest's identity takes it).
    client: String,
}

fn make_pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "archcheck test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(params, ca_key).unwrap();
    let leaf = |names: Vec<String>| {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(vec!["localhost".into(), "127.0.0.1".into()]);
    let (client_cert, client_key) = leaf(vec!["archcheck-test-client".into()]);
    Pki {
        ca: ca.pem(),
        server_cert,
        server_key,
        client: format!("{client_cert}{client_key}"),
    }
}

/// Writes ca.pem, server.crt and server.key into `dir`, and `web.yml` with `config`.
fn write(dir: &Path, pki: &Pki, config: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("ca.pem"), &pki.ca).unwrap();
    std::fs::write(dir.join("server.crt"), &pki.server_cert).unwrap();
    std::fs::write(dir.join("server.key"), &pki.server_key).unwrap();
    let path = dir.join("web.yml");
    std::fs::write(&path, config).unwrap();
    path
}

/// A client trusting `ca` (and, with `identity`, presenting that certificate).
fn client(ca: &str, identity: Option<&str>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap());
    if let Some(id) = identity {
        b = b.identity(reqwest::Identity::from_pem(id.as_bytes()).unwrap());
    }
    b.build().unwrap()
}

/// GET with optional basic auth: the status, or the client's error.
fn fetch(c: &reqwest::Client, url: &str, user: Option<(&str, &str)>) -> Result<u16, String> {
    RT.block_on(async {
        let mut req = c.get(url);
        if let Some((u, p)) = user {
            req = req.basic_auth(u, Some(p));
        }
        req.send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| format!("{e:?}"))
    })
}

/// A simulator and a watch of it with `--web-config config`.
fn start(config: &Path) -> (SimHandle, Watcher) {
    let sim = sim(&[]);
    let w = Watcher::start(
        sim.url(),
        &[
            "--interval",
            "1s",
            "--timeout",
            "20s",
            "--web-config",
            config.to_str().unwrap(),
        ],
    );
    (sim, w)
}

/// With `tls_server_config` (relative file names) and `basic_auth_users`: HTTPS only, with
/// the configured certificate; every endpoint but `/healthz` answers 401 without a user and
/// 200 with one; plain HTTP to the port gets no answer; a client that does not trust the CA
/// does not connect.
#[test]
fn with_tls_the_watch_serves_https_only_and_still_asks_for_a_user() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki();
    let hash = bcrypt::hash("tls-pass-3", 4).unwrap();
    let config = write(
        dir.path(),
        &pki,
        &format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n\
             basic_auth_users:\n  alice: '{hash}'\n"
        ),
    );
    let (_sim, w) = start(&config);
    assert!(w.url.starts_with("https://127.0.0.1:"), "{}", w.url);
    let c = client(&pki.ca, None);
    wait_for("a completed round over HTTPS", || {
        match fetch(&c, &format!("{}/healthz", w.url), None) {
            Ok(200) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    for path in [
        "/",
        "/env/staging",
        "/status",
        "/metrics",
        "/assets/page.js",
    ] {
        let url = format!("{}{path}", w.url);
        assert_eq!(fetch(&c, &url, None), Ok(401), "{path} without a user");
        assert_eq!(
            fetch(&c, &url, Some(("alice", "tls-pass-3"))),
            Ok(200),
            "{path} with alice's password"
        );
    }
    // Plain HTTP to the TLS port: no HTTP answer at all.
    let plain = w.url.replacen("https://", "http://", 1);
    let r = fetch(&reqwest::Client::new(), &format!("{plain}/healthz"), None);
    assert!(r.is_err(), "plain HTTP answered: {r:?}");
    // A client that does not trust the test CA refuses the certificate.
    let other = make_pki();
    let r = fetch(
        &client(&other.ca, None),
        &format!("{}/healthz", w.url),
        None,
    );
    let e = r.unwrap_err();
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    let stderr = w.stderr();
    assert!(
        stderr.contains(&format!(
            "listening on {} (/ the status page, /metrics, /healthz, /status); TLS with \
             tls_server_config.cert_file {}",
            w.url,
            dir.path().join("server.crt").display()
        )),
        "{stderr}"
    );
}

/// With `client_auth_type: RequireAndVerifyClientCert`: a client without a certificate, or
/// with one another CA signed, does not connect (to `/healthz` either: it is the handshake
/// that asks); one with a certificate of the client CA gets every endpoint, without a user.
#[test]
fn with_client_certificates_required_only_a_client_of_the_ca_connects() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki();
    let config = write(
        dir.path(),
        &pki,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  \
         client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n  \
         min_version: TLS13\n",
    );
    let (_sim, w) = start(&config);
    let good = client(&pki.ca, Some(&pki.client));
    wait_for("a completed round over mutual TLS", || {
        match fetch(&good, &format!("{}/healthz", w.url), None) {
            Ok(200) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    });
    for path in ["/", "/status", "/metrics"] {
        assert_eq!(
            fetch(&good, &format!("{}{path}", w.url), None),
            Ok(200),
            "{path}"
        );
    }
    let stranger = make_pki();
    for (who, c) in [
        ("no certificate", client(&pki.ca, None)),
        (
            "another CA's certificate",
            client(&pki.ca, Some(&stranger.client)),
        ),
    ] {
        for path in ["/healthz", "/status"] {
            let r = fetch(&c, &format!("{}{path}", w.url), None);
            assert!(r.is_err(), "{who} got {path}: {r:?}");
        }
    }
    assert!(
        w.stderr().contains("client certificates required"),
        "{}",
        w.stderr()
    );
}

/// A certificate or key that cannot be used is an error at start naming the file, before
/// anything listens; the key's bytes are never printed.
#[test]
fn a_bad_certificate_or_key_is_an_error_at_start_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki();
    let other = make_pki();
    std::fs::write(dir.path().join("other.key"), &other.server_key).unwrap();
    let cases = [
        (
            "cert_file: missing.crt\n  key_file: server.key",
            format!(
                "cannot read tls_server_config.cert_file {}",
                dir.path().join("missing.crt").display()
            ),
        ),
        (
            "cert_file: server.key\n  key_file: server.key",
            format!(
                "tls_server_config.cert_file {} holds no certificate",
                dir.path().join("server.key").display()
            ),
        ),
        (
            "cert_file: server.crt\n  key_file: other.key",
            format!(
                "the key of tls_server_config.key_file {} does not fit the certificate",
                dir.path().join("other.key").display()
            ),
        ),
    ];
    for (tls, want) in cases {
        let config = write(dir.path(), &pki, &format!("tls_server_config:\n  {tls}\n"));
        let r = harness::run(
            &[
                "watch",
                harness::model("c2.json").to_str().unwrap(),
                "--listen",
                "127.0.0.1:0",
                "--web-config",
                config.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(r.code, Some(3), "{tls}: {r:?}");
        assert!(r.stderr.contains(&want), "{tls}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("--web-config {}", config.display())),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("listening"), "{}", r.stderr);
        let key_line = other.server_key.lines().nth(1).unwrap();
        assert!(!r.stderr.contains(key_line), "{}", r.stderr);
    }
}
