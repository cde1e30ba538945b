//! `tls_server_config` of `--web-config`: the exporter-toolkit's TLS settings turned into a
//! rustls server configuration, checked whole at start. Every certificate, key and CA is read
//! here, so a missing file, a file without the PEM block it should hold, or a key that does
//! not belong to its certificate is an error naming the file before anything listens.
//!
//! Supported, with the exporter-toolkit's meaning: `cert_file`/`key_file` (or `cert`/`key`
//! inline), `client_auth_type` with `client_ca_file` (or `client_ca`), `min_version`,
//! `max_version`, `cipher_suites`, `prefer_server_cipher_suites` and `curve_preferences`.
//! Relative file names are relative to the web configuration file's folder, as in the
//! exporter-toolkit. Refused with a message: `client_allowed_sans`, and the client auth types
//! that do not verify a certificate (`RequestClientCert`, `RequireAnyClientCert`).

use anyhow::{Context, anyhow, bail};
use rustls::crypto::CryptoProvider;
use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `tls_server_config` as written. An empty string is the same as a missing key, as in the
/// exporter-toolkit (Go's zero value).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTls {
    #[serde(default)]
    cert: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    client_ca: Option<String>,
    #[serde(default)]
    cert_file: Option<String>,
    #[serde(default)]
    key_file: Option<String>,
    #[serde(default)]
    client_ca_file: Option<String>,
    #[serde(default)]
    client_auth_type: Option<String>,
    #[serde(default)]
    client_allowed_sans: Option<Vec<String>>,
    #[serde(default)]
    min_version: Option<String>,
    #[serde(default)]
    max_version: Option<String>,
    #[serde(default)]
    cipher_suites: Option<Vec<String>>,
    #[serde(default)]
    prefer_server_cipher_suites: Option<bool>,
    #[serde(default)]
    curve_preferences: Option<Vec<String>>,
}

/// Whether (and how) the TLS handshake asks for a client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    /// `NoClientCert` (the default).
    None,
    /// `VerifyClientCertIfGiven`: a certificate is verified when sent; none is let in too.
    IfGiven,
    /// `RequireAndVerifyClientCert`: no connection without a certificate the CA signed.
    Required,
}

/// A checked `tls_server_config`.
#[derive(Debug)]
pub(crate) struct Tls {
    pub server: Arc<ServerConfig>,
    pub client_auth: ClientAuth,
    /// Where the server's certificate came from (a file, or "inline"), for the start message.
    pub cert_origin: String,
    /// What was accepted but means less here than in Go (TLS 1.0 and 1.1 are never spoken).
    pub notes: Vec<String>,
}

/// PEM text and where it came from.
struct Pem {
    bytes: Vec<u8>,
    origin: String,
}

/// The PEM of `inline` or of the file `file` (relative to `dir`), exactly one of them; `None`
/// when neither is given.
fn pem(
    inline: Option<&str>,
    file: Option<&str>,
    dir: &Path,
    names: (&str, &str),
) -> anyhow::Result<Option<Pem>> {
    let inline = inline.filter(|s| !s.trim().is_empty());
    let file = file.filter(|s| !s.trim().is_empty());
    match (inline, file) {
        (Some(_), Some(_)) => bail!(
            "tls_server_config has both {} and {}: give one",
            names.0,
            names.1
        ),
        (Some(text), None) => Ok(Some(Pem {
            bytes: text.as_bytes().to_vec(),
            origin: format!("tls_server_config.{} (inline)", names.0),
        })),
        (None, Some(file)) => {
            let path = resolve(dir, file);
            let bytes = std::fs::read(&path).with_context(|| {
                format!(
                    "cannot read tls_server_config.{} {}",
                    names.1,
                    path.display()
                )
            })?;
            Ok(Some(Pem {
                bytes,
                origin: format!("tls_server_config.{} {}", names.1, path.display()),
            }))
        }
        (None, None) => Ok(None),
    }
}

/// A file name of the web configuration: relative ones are relative to its folder.
fn resolve(dir: &Path, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_owned()
    } else {
        dir.join(p)
    }
}

/// Every certificate of a PEM text, in order; at least one.
fn certificates(pem: &Pem) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(&pem.bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("{} is not PEM ({e})", pem.origin))?;
    if certs.is_empty() {
        bail!(
            "{} holds no certificate (a PEM block -----BEGIN CERTIFICATE-----)",
            pem.origin
        );
    }
    Ok(certs)
}

/// The private key of a PEM text (PKCS#8, PKCS#1 or SEC1). Its bytes never reach a message.
fn private_key(pem: &Pem) -> anyhow::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(&pem.bytes).map_err(|_| {
        anyhow!(
            "{} holds no private key (an unencrypted PEM block -----BEGIN PRIVATE KEY-----, \
             BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)",
            pem.origin
        )
    })
}

/// The exporter-toolkit's TLS version names.
fn version(name: &str, key: &str) -> anyhow::Result<u8> {
    match name {
        "TLS10" => Ok(10),
        "TLS11" => Ok(11),
        "TLS12" => Ok(12),
        "TLS13" => Ok(13),
        _ => bail!("tls_server_config.{key} `{name}` is not a TLS version; use TLS12 or TLS13"),
    }
}

/// The protocol versions between `min_version` (default TLS12) and `max_version` (default
/// TLS13). rustls speaks TLS 1.2 and 1.3 only: a lower minimum is noted, not an error.
fn versions(
    raw: &RawTls,
    notes: &mut Vec<String>,
) -> anyhow::Result<Vec<&'static SupportedProtocolVersion>> {
    let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let min = given(&raw.min_version).map_or(Ok(12), |v| version(&v, "min_version"))?;
    let max = given(&raw.max_version).map_or(Ok(13), |v| version(&v, "max_version"))?;
    if max < 12 {
        bail!(
            "tls_server_config.max_version below TLS12: archcheck watch speaks TLS 1.2 and 1.3 \
             only (TLS 1.0 and 1.1 are obsolete, RFC 8996)"
        );
    }
    if min > max {
        bail!("tls_server_config: min_version is above max_version");
    }
    if min < 12 {
        notes.push(
            "tls_server_config.min_version is below TLS12: TLS 1.2 is the lowest version \
             archcheck watch speaks"
                .to_owned(),
        );
    }
    let mut out = Vec::new();
    if min <= 12 {
        out.push(&rustls::version::TLS12);
    }
    if max >= 13 {
        out.push(&rustls::version::TLS13);
    }
    Ok(out)
}

/// TLS 1.3's suites by their Go names: always on (as in Go, where they cannot be configured).
const TLS13_SUITES: [&str; 3] = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

/// The aws-lc-rs provider with `cipher_suites` (TLS 1.2 suites, in that order; TLS 1.3's are
/// always kept) and `curve_preferences` (in that order) applied.
fn provider(raw: &RawTls) -> anyhow::Result<CryptoProvider> {
    let mut provider = aws_lc_rs::default_provider();
    if let Some(names) = raw.cipher_suites.as_ref().filter(|n| !n.is_empty()) {
        let all = provider.cipher_suites.clone();
        let tls12 = |s: &rustls::SupportedCipherSuite| s.tls13().is_none();
        let mut chosen: Vec<_> = all.iter().filter(|s| !tls12(s)).copied().collect();
        for name in names {
            if TLS13_SUITES.contains(&name.as_str()) {
                continue;
            }
            let suite = all
                .iter()
                .find(|s| tls12(s) && s.suite().as_str() == Some(name.as_str()))
                .ok_or_else(|| {
                    anyhow!(
                        "tls_server_config.cipher_suites: `{name}` is not offered; the TLS 1.2 \
                         suites are {}",
                        all.iter()
                            .filter(|s| tls12(s))
                            .filter_map(|s| s.suite().as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
            if !chosen.contains(suite) {
                chosen.push(*suite);
            }
        }
        provider.cipher_suites = chosen;
    }
    if let Some(names) = raw.curve_preferences.as_ref().filter(|n| !n.is_empty()) {
        let mut groups = Vec::new();
        for name in names {
            groups.push(kx_group(name)?);
        }
        provider.kx_groups = groups;
    }
    Ok(provider)
}

/// A curve by its Go name (`curve_preferences`).
fn kx_group(name: &str) -> anyhow::Result<&'static dyn rustls::crypto::SupportedKxGroup> {
    let group = match name {
        "CurveP256" => Some(aws_lc_rs::kx_group::SECP256R1),
        "CurveP384" => Some(aws_lc_rs::kx_group::SECP384R1),
        "X25519" => Some(aws_lc_rs::kx_group::X25519),
        "X25519MLKEM768" => Some(aws_lc_rs::kx_group::X25519MLKEM768),
        _ => None,
    };
    group.ok_or_else(|| {
        anyhow!(
            "tls_server_config.curve_preferences: `{name}` is not offered; use CurveP256, \
             CurveP384, X25519 or X25519MLKEM768"
        )
    })
}

/// The client certificate policy: `client_auth_type` with the CAs of `client_ca_file` (or
/// `client_ca`).
fn client_verifier(
    raw: &RawTls,
    dir: &Path,
    provider: &Arc<CryptoProvider>,
) -> anyhow::Result<(Arc<dyn ClientCertVerifier>, ClientAuth)> {
    let ca = pem(
        raw.client_ca.as_deref(),
        raw.client_ca_file.as_deref(),
        dir,
        ("client_ca", "client_ca_file"),
    )?;
    let auth = match raw.client_auth_type.as_deref().unwrap_or("") {
        "" | "NoClientCert" => ClientAuth::None,
        "VerifyClientCertIfGiven" => ClientAuth::IfGiven,
        "RequireAndVerifyClientCert" => ClientAuth::Required,
        t @ ("RequestClientCert" | "RequireAnyClientCert") => bail!(
            "tls_server_config.client_auth_type {t} lets in any certificate without checking \
             it: use RequireAndVerifyClientCert with client_ca_file"
        ),
        other => bail!(
            "tls_server_config.client_auth_type `{other}` is unknown; use NoClientCert, \
             VerifyClientCertIfGiven or RequireAndVerifyClientCert"
        ),
    };
    let Some(ca) = ca else {
        if auth != ClientAuth::None {
            bail!(
                "tls_server_config.client_auth_type asks for client certificates but no \
                 client_ca_file says which CA signs them"
            );
        }
        return Ok((WebPkiClientVerifier::no_client_auth(), auth));
    };
    if auth == ClientAuth::None {
        bail!(
            "tls_server_config has a client CA but client_auth_type is NoClientCert: set \
             client_auth_type: RequireAndVerifyClientCert to ask for client certificates"
        );
    }
    let mut roots = RootCertStore::empty();
    for cert in certificates(&ca)? {
        roots
            .add(cert)
            .map_err(|e| anyhow!("{}: not a usable CA certificate ({e})", ca.origin))?;
    }
    let builder = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    let builder = if auth == ClientAuth::IfGiven {
        builder.allow_unauthenticated()
    } else {
        builder
    };
    let verifier = builder
        .build()
        .map_err(|e| anyhow!("{}: cannot verify clients with it ({e})", ca.origin))?;
    Ok((verifier, auth))
}

impl Tls {
    /// Checks `raw` and reads its files (relative to `dir`); `http2` offers HTTP/2 by ALPN.
    pub(crate) fn build(raw: &RawTls, dir: &Path, http2: bool) -> anyhow::Result<Tls> {
        if raw
            .client_allowed_sans
            .as_ref()
            .is_some_and(|s| !s.is_empty())
        {
            bail!(
                "tls_server_config.client_allowed_sans is not supported by archcheck watch: \
                 give each client a certificate from a CA of its own (client_ca_file)"
            );
        }
        let cert = pem(
            raw.cert.as_deref(),
            raw.cert_file.as_deref(),
            dir,
            ("cert", "cert_file"),
        )?
        .ok_or_else(|| anyhow!("tls_server_config needs cert_file (the server's certificate)"))?;
        let key = pem(
            raw.key.as_deref(),
            raw.key_file.as_deref(),
            dir,
            ("key", "key_file"),
        )?
        .ok_or_else(|| anyhow!("tls_server_config needs key_file (the certificate's key)"))?;
        let chain = certificates(&cert)?;
        let private = private_key(&key)?;
        let mut notes = Vec::new();
        let versions = versions(raw, &mut notes)?;
        let provider = Arc::new(provider(raw)?);
        let (verifier, client_auth) = client_verifier(raw, dir, &provider)?;
        let mut server = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions)
            .map_err(|e| anyhow!("tls_server_config: no usable TLS settings ({e})"))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, private)
            .map_err(|e| {
                anyhow!(
                    "the key of {} does not fit the certificate of {} ({e})",
                    key.origin,
                    cert.origin
                )
            })?;
        server.ignore_client_order = raw.prefer_server_cipher_suites.unwrap_or(true);
        server.alpn_protocols = if http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Ok(Tls {
            server: Arc::new(server),
            client_auth,
            cert_origin: cert.origin,
            notes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CA, and a certificate for localhost it signed, as (CA PEM, cert PEM, key PEM).
    fn certs() -> (String, String, String) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = rcgen::CertifiedIssuer::self_signed(params, ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        (ca.pem(), leaf.pem(), key.serialize_pem())
    }

    /// A folder with ca.pem, cert.pem and key.pem.
    fn files() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let (ca, cert, key) = certs();
        std::fs::write(dir.path().join("ca.pem"), ca).unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
        std::fs::write(dir.path().join("key.pem"), key).unwrap();
        dir
    }

    fn build(yaml: &str, dir: &Path) -> anyhow::Result<Tls> {
        let raw: RawTls = serde_saphyr::from_str(yaml).unwrap();
        Tls::build(&raw, dir, true)
    }

    fn error(yaml: &str, dir: &Path) -> String {
        format!("{:#}", build(yaml, dir).unwrap_err())
    }

    const PLAIN: &str = "cert_file: cert.pem\nkey_file: key.pem\n";

    #[test]
    fn files_relative_to_the_configuration_make_a_server_offering_h2() {
        let dir = files();
        let tls = build(PLAIN, dir.path()).unwrap();
        assert_eq!(tls.client_auth, ClientAuth::None);
        assert_eq!(
            tls.server.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        assert!(
            tls.server.ignore_client_order,
            "prefer_server_cipher_suites defaults to true"
        );
        assert!(tls.notes.is_empty());
        let want = format!(
            "tls_server_config.cert_file {}",
            dir.path().join("cert.pem").display()
        );
        assert_eq!(tls.cert_origin, want);
        let raw: RawTls = serde_saphyr::from_str(PLAIN).unwrap();
        let tls = Tls::build(&raw, dir.path(), false).unwrap();
        assert_eq!(tls.server.alpn_protocols, [b"http/1.1".to_vec()]);
    }

    #[test]
    fn inline_pem_works_and_both_forms_at_once_are_refused() {
        let (_, cert, key) = certs();
        let yaml = format!(
            "cert: |\n  {}\nkey: |\n  {}\n",
            cert.trim().replace('\n', "\n  "),
            key.trim().replace('\n', "\n  ")
        );
        let tls = build(&yaml, Path::new("/nonexistent")).unwrap();
        assert_eq!(tls.cert_origin, "tls_server_config.cert (inline)");
        let e = error(&format!("{yaml}cert_file: cert.pem\n"), Path::new("."));
        assert!(e.contains("both cert and cert_file"), "{e}");
    }

    #[test]
    fn a_missing_or_wrong_file_is_an_error_naming_it() {
        let dir = files();
        let d = dir.path();
        let e = error("cert_file: nope.pem\nkey_file: key.pem\n", d);
        assert!(
            e.contains(&format!(
                "cannot read tls_server_config.cert_file {}",
                d.join("nope.pem").display()
            )),
            "{e}"
        );
        let e = error("cert_file: key.pem\nkey_file: key.pem\n", d);
        assert!(e.contains("key.pem holds no certificate"), "{e}");
        let e = error("cert_file: cert.pem\nkey_file: cert.pem\n", d);
        assert!(e.contains("cert.pem holds no private key"), "{e}");
        let e = error("key_file: key.pem\n", d);
        assert!(e.contains("needs cert_file"), "{e}");
        // A key of another certificate.
        let (_, _, other) = certs();
        std::fs::write(d.join("other.key"), other).unwrap();
        let e = error("cert_file: cert.pem\nkey_file: other.key\n", d);
        assert!(
            e.contains("other.key does not fit the certificate of"),
            "{e}"
        );
        // The key's bytes never reach a message.
        let key = std::fs::read_to_string(d.join("other.key")).unwrap();
        let body = key.lines().nth(1).unwrap();
        assert!(!e.contains(body), "{e}");
    }

    #[test]
    fn client_certificates_need_a_ca_and_a_verifying_policy() {
        let dir = files();
        let d = dir.path();
        let tls = build(
            &format!(
                "{PLAIN}client_auth_type: RequireAndVerifyClientCert\nclient_ca_file: ca.pem\n"
            ),
            d,
        )
        .unwrap();
        assert_eq!(tls.client_auth, ClientAuth::Required);
        let tls = build(
            &format!("{PLAIN}client_auth_type: VerifyClientCertIfGiven\nclient_ca_file: ca.pem\n"),
            d,
        )
        .unwrap();
        assert_eq!(tls.client_auth, ClientAuth::IfGiven);
        for (yaml, want) in [
            (
                "client_auth_type: RequireAndVerifyClientCert\n",
                "no client_ca_file",
            ),
            (
                "client_ca_file: ca.pem\n",
                "client_auth_type is NoClientCert",
            ),
            (
                "client_auth_type: RequireAnyClientCert\nclient_ca_file: ca.pem\n",
                "without checking",
            ),
            ("client_auth_type: RequestClientCert\n", "without checking"),
            ("client_auth_type: Always\n", "`Always` is unknown"),
            (
                "client_allowed_sans: [a]\n",
                "client_allowed_sans is not supported",
            ),
        ] {
            let e = error(&format!("{PLAIN}{yaml}"), d);
            assert!(e.contains(want), "{yaml}: {e}");
        }
    }

    #[test]
    fn versions_suites_and_curves_follow_the_exporter_toolkit_names() {
        let dir = files();
        let d = dir.path();
        let tls = build(&format!("{PLAIN}min_version: TLS10\n"), d).unwrap();
        assert!(
            tls.notes[0].contains("TLS 1.2 is the lowest"),
            "{:?}",
            tls.notes
        );
        build(&format!("{PLAIN}min_version: TLS13\n"), d).unwrap();
        let tls = build(
            &format!(
                "{PLAIN}cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n\
                 prefer_server_cipher_suites: false\ncurve_preferences: [CurveP256, X25519]\n"
            ),
            d,
        )
        .unwrap();
        assert!(!tls.server.ignore_client_order);
        let suites: Vec<_> = tls
            .server
            .crypto_provider()
            .cipher_suites
            .iter()
            .filter(|s| s.tls13().is_none())
            .filter_map(|s| s.suite().as_str())
            .collect();
        assert_eq!(suites, ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]);
        let curves: Vec<_> = tls
            .server
            .crypto_provider()
            .kx_groups
            .iter()
            .map(|g| g.name())
            .collect();
        assert_eq!(
            curves,
            [rustls::NamedGroup::secp256r1, rustls::NamedGroup::X25519]
        );
        for (yaml, want) in [
            ("max_version: TLS11\n", "speaks TLS 1.2 and 1.3 only"),
            (
                "min_version: TLS13\nmax_version: TLS12\n",
                "above max_version",
            ),
            ("min_version: SSL3\n", "`SSL3` is not a TLS version"),
            (
                "cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            ),
            (
                "curve_preferences: [CurveP521]\n",
                "`CurveP521` is not offered",
            ),
        ] {
            let e = error(&format!("{PLAIN}{yaml}"), d);
            assert!(e.contains(want), "{yaml}: {e}");
        }
    }
}
