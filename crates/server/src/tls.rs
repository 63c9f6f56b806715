//! The office's own TLS (docs/office-server.md, "Trust on the LAN"): an office certificate
//! authority made once and kept encrypted in the office store (`app::desks`), a server
//! certificate made from it at every start, and the certificates of the desks that join.
//!
//! - **The CA**: ECDSA P-256 (what every browser of the office, Chromium 80 and later,
//!   accepts; Ed25519 certificates are not accepted by browsers), ten years, allowed to
//!   sign end certificates only. Its SHA-256 fingerprint, in the colon-separated form
//!   `openssl x509 -fingerprint -sha256` prints, is what an administrator compares when
//!   installing it in a browser and what a joining desk's clerk compares on both screens.
//! - **The server's certificate**: a new key and certificate at every start, one year, for
//!   the names and addresses the server is reached by; nothing to renew, no server key on
//!   disk.
//! - **Desks**: a desk that joins sends a P-256 public key and a signature by it over the
//!   one-time code; it receives a client certificate (three years) signed by the CA. The
//!   server asks every connection for a client certificate: one from this office's CA is
//!   accepted, one from anywhere else ends the handshake (another office's desk), and none
//!   is what a browser shows (whether a browser is served is the server's
//!   `ServerConfig::browsers`).
//!
//! rcgen is built without its X.509 parser: the CA's issuer is rebuilt from the same
//! parameters that made it (its name is fixed by the office id), which gives the same
//! subject bytes and key identifier; `the_ca_survives_a_restart` checks that chains built
//! after a restart still verify.

use std::sync::Arc;

use app::AppError;
use app::desks::OfficeCa;
use app::office::Office;
use chrono::{DateTime, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PublicKeyData, SerialNumber, SignatureAlgorithm,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use zeroize::Zeroizing;

/// How long the office CA is valid.
const CA_YEARS: i64 = 10;
/// How long a server certificate is valid (a new one is made at every start).
const SERVER_DAYS: i64 = 365;
/// How long a desk's certificate is valid.
const DESK_DAYS: i64 = 3 * 365;

/// What went wrong making or using the office's certificates.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// rcgen refused to make a key or certificate.
    #[error("making a certificate failed: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the configuration.
    #[error("the TLS configuration was refused: {0}")]
    Config(String),
    /// The office has no CA yet: the server's set-up (an administrator's start) makes it.
    #[error("the office has no certificate authority yet")]
    NoCa,
    /// The office store failed.
    #[error("the office store: {0}")]
    Office(#[from] AppError),
}

/// Makes the office CA if the office has none (the logged-in clerk must be an
/// administrator then; audited as `office_ca_created`) and returns its fingerprint.
/// `permit-desk-server` calls it after opening the office with the administrator's
/// password, before that log-in ends.
pub fn ensure_office_ca(office: &mut Office, now: DateTime<Utc>) -> Result<String, TlsError> {
    let office_id = office.office_id().to_owned();
    let ca = app::desks::office_ca_or_create(
        office,
        || {
            let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
            let mut params = ca_params(&office_id);
            params.not_before = to_time(now - chrono::Duration::days(1));
            params.not_after = to_time(now + chrono::Duration::days(365 * CA_YEARS));
            params.serial_number = Some(random_serial()?);
            let certificate = params.self_signed(&key)?;
            let der = certificate.der().to_vec();
            let fingerprint = fingerprint(&der);
            Ok::<_, TlsError>((
                OfficeCa { certificate_der: der, key_der: Zeroizing::new(key.serialize_der()) },
                fingerprint,
            ))
        },
        now,
    )??;
    Ok(fingerprint(&ca.certificate_der))
}

/// The office's TLS while the server runs: the CA (to sign desks' certificates) and the
/// rustls configuration with this start's server certificate.
pub struct OfficeTls {
    ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    server: Arc<rustls::ServerConfig>,
    fingerprint: String,
}

impl std::fmt::Debug for OfficeTls {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("OfficeTls").field("fingerprint", &self.fingerprint).finish()
    }
}

impl OfficeTls {
    /// Loads the office CA and makes this start's server certificate for `names` (host
    /// names and IP addresses the desks use).
    pub fn start(office: &Office, names: &[String], now: DateTime<Utc>) -> Result<OfficeTls, TlsError> {
        let ca = app::desks::office_ca(office)?.ok_or(TlsError::NoCa)?;
        let ca_key = KeyPair::try_from(ca.key_der.as_slice())?;
        let issuer = Issuer::new(ca_params(office.office_id()), ca_key);
        let ca_der = CertificateDer::from(ca.certificate_der.clone());

        let server_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(names.to_vec())?;
        params.distinguished_name = name(&format!("permit-desk 办理点服务器 {}", office.office_id()));
        params.not_before = to_time(now - chrono::Duration::hours(1));
        params.not_after = to_time(now + chrono::Duration::days(SERVER_DAYS));
        params.serial_number = Some(random_serial()?);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let server_certificate = params.signed_by(&server_key, &issuer)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca_der.clone()).map_err(|error| TlsError::Config(error.to_string()))?;
        // No certificate is a browser's (or a desk's that has not joined yet); a
        // certificate from any other CA ends the handshake.
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .allow_unauthenticated()
            .build()
            .map_err(|error| TlsError::Config(error.to_string()))?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| TlsError::Config(error.to_string()))?
            .with_client_cert_verifier(verifier)
            // The CA goes with the chain: a browser told to trust the CA's key (and the
            // WebDriver tests' Chromium) finds it there.
            .with_single_cert(vec![server_certificate.der().clone(), ca_der.clone()], key)
            .map_err(|error| TlsError::Config(error.to_string()))?;
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        let fingerprint = fingerprint(&ca.certificate_der);
        Ok(OfficeTls { ca_der, issuer, server: Arc::new(server), fingerprint })
    }

    /// The office CA in PEM, as an administrator installs it in a browser or system.
    pub fn ca_pem(&self) -> String {
        pem(&self.ca_der)
    }

    /// The office CA's SHA-256 fingerprint (`AB:CD:…`).
    pub fn ca_fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The base64 SHA-256 of the CA's public key (SubjectPublicKeyInfo), as Chromium's
    /// `--ignore-certificate-errors-spki-list` takes it (the WebDriver tests' browsers).
    pub fn ca_spki_sha256(&self) -> String {
        use base64::Engine as _;
        let spki = self.issuer.key().subject_public_key_info();
        base64::engine::general_purpose::STANDARD.encode(ring::digest::digest(&ring::digest::SHA256, &spki))
    }

    /// The rustls configuration for accepting connections.
    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.server))
    }

    /// A client certificate for a desk that proved it holds the private half of
    /// `public_key` (an uncompressed P-256 point), named `desk_name`: its PEM and
    /// fingerprint.
    pub fn issue_desk_certificate(
        &self,
        public_key: &[u8],
        desk_name: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, String), TlsError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = name(desk_name);
        params.not_before = to_time(now - chrono::Duration::hours(1));
        params.not_after = to_time(now + chrono::Duration::days(DESK_DAYS));
        params.serial_number = Some(random_serial()?);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let certificate = params.signed_by(&DeskKey(public_key), &self.issuer)?;
        Ok((pem(certificate.der()), fingerprint(certificate.der())))
    }
}

/// Checks a joining desk's signature (ASN.1 ECDSA P-256 over SHA-256) of
/// [`desk_link::protocol::join_message`] by `public_key` (an uncompressed P-256 point).
pub fn join_signature_valid(public_key: &[u8], code: &str, desk_name: &str, signature: &[u8]) -> bool {
    public_key.len() == 65
        && ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, public_key)
            .verify(&desk_link::protocol::join_message(code, desk_name), signature)
            .is_ok()
}

/// SHA-256 of a certificate, as `AB:CD:…`: the joining desk computes the same.
pub use desk_link::fingerprint;

/// A desk's public key as rcgen signs it.
struct DeskKey<'a>(&'a [u8]);

impl PublicKeyData for DeskKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_ECDSA_P256_SHA256
    }
}

/// The CA's parameters apart from its dates and serial: the same at every start, so the
/// issuer rebuilt from them names the CA exactly as its certificate does.
fn ca_params(office_id: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(&format!("permit-desk 办理点 {office_id} 证书颁发机构"));
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "permit-desk");
    name.push(DnType::CommonName, common_name);
    name
}

fn random_serial() -> Result<SerialNumber, TlsError> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| TlsError::Config(error.to_string()))?;
    // Positive and without a leading zero byte, as DER wants an INTEGER.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

fn to_time(at: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(at.timestamp()).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}
