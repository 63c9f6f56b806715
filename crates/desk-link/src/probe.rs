//! Joining: read the office CA from the server's handshake before trusting anything, let
//! the clerk compare its fingerprint, then join with the one-time code over a connection
//! that trusts that CA alone.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::address::{authority_of, host_of, server_url};
use crate::identity::DeskIdentity;
use crate::protocol::{JoinRequest, Joined, code_digits, desk_name, join_message};
use crate::{LinkError, link};

/// How long a probe waits for the server to answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The office server found at an address, not yet trusted: its CA for the clerk to
/// compare before the code is sent.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `https://host:port`.
    pub server_url: String,
    /// The office CA's certificate, DER.
    pub ca_der: Vec<u8>,
    /// Its SHA-256 fingerprint (`AB:CD:…`, as the administrator's screen shows it).
    pub ca_fingerprint: String,
}

/// SHA-256 of a certificate, as `AB:CD:…` (what the server prints and shows, and what
/// `openssl x509 -fingerprint -sha256` prints).
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest.as_ref().iter().map(|byte| format!("{byte:02X}")).collect::<Vec<_>>().join(":")
}

/// A certificate verifier that trusts nothing and refuses nothing: it keeps the chain the
/// server shows (the handshake's signatures are still checked, so the server holds the
/// key of the certificate it shows). Used for the one connection that reads the CA.
#[derive(Debug)]
struct Capture {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|certificate| certificate.clone().into_owned()));
        *self.chain.lock().unwrap_or_else(PoisonError::into_inner) = chain;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

pub(crate) fn server_name(url: &str) -> Result<ServerName<'static>, LinkError> {
    ServerName::try_from(host_of(url).to_owned()).map_err(|_| LinkError::Address)
}

/// Connects to what the clerk typed and reads the office CA from the server's handshake:
/// the last certificate of the chain it shows, which must have signed the server's own
/// certificate for that address. Nothing is sent but the handshake.
pub async fn probe(typed_address: &str) -> Result<Probe, LinkError> {
    let server_url = server_url(typed_address)?;
    let name = server_name(&server_url)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let capture = Arc::new(Capture { provider: Arc::clone(&provider), chain: Mutex::default() });
    let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| LinkError::Setup(error.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    let connect = async {
        let stream = tokio::net::TcpStream::connect(authority_of(&server_url)).await?;
        tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name.clone(), stream).await
    };
    match tokio::time::timeout(PROBE_TIMEOUT, connect).await {
        Err(_) => return Err(LinkError::Unreachable("no answer in time".to_owned())),
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::InvalidData => {
            return Err(LinkError::NotOfficeServer(format!("no TLS: {error}")));
        }
        Ok(Err(error)) => return Err(LinkError::Unreachable(error.to_string())),
        Ok(Ok(_stream)) => {}
    }
    let chain = std::mem::take(&mut *capture.chain.lock().unwrap_or_else(PoisonError::into_inner));
    let (Some(leaf), Some(ca)) = (chain.first(), chain.get(1..).and_then(<[_]>::last)) else {
        return Err(LinkError::NotOfficeServer("the server shows no certificate authority".to_owned()));
    };
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).map_err(|error| LinkError::NotOfficeServer(error.to_string()))?;
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|error| LinkError::NotOfficeServer(error.to_string()))?;
    verifier
        .verify_server_cert(leaf, &chain[1..], &name, &[], UnixTime::now())
        .map_err(|error| LinkError::NotOfficeServer(error.to_string()))?;
    let ca_der = ca.as_ref().to_vec();
    Ok(Probe { server_url, ca_fingerprint: fingerprint(&ca_der), ca_der })
}

/// Joins the office server found by `probe` (after the clerk compared its fingerprint)
/// with an administrator's one-time `code`, naming the desk `desk`: makes the desk's key,
/// proves it with a signature over the code and the name, and returns the identity to
/// keep. A refusal (a wrong or used code) is the server's answer, for the page to show.
pub async fn join(probe: &Probe, code: &str, desk: &str) -> Result<DeskIdentity, LinkError> {
    let name = desk_name(desk).ok_or(LinkError::DeskName)?;
    let random = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &random)
        .map_err(|error| LinkError::Setup(error.to_string()))?;
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &random)
        .map_err(|error| LinkError::Setup(error.to_string()))?;
    let signature = key
        .sign(&random, &join_message(&code_digits(code), &name))
        .map_err(|error| LinkError::Setup(error.to_string()))?;
    let base64 = base64::engine::general_purpose::STANDARD;
    let request = JoinRequest {
        code: code.to_owned(),
        desk_name: name.clone(),
        public_key: base64.encode(key.public_key().as_ref()),
        signature: base64.encode(signature.as_ref()),
    };
    let http = link::client(&probe.ca_der, None, Some(Duration::from_secs(30)))?;
    let answer = http
        .post(format!("{}/api/join_desk", probe.server_url))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&request).map_err(|error| LinkError::Setup(error.to_string()))?)
        .send()
        .await
        .map_err(|error| link::unreachable(&error))?;
    let status = answer.status();
    let body = answer.bytes().await.map_err(|error| link::unreachable(&error))?.to_vec();
    if !status.is_success() {
        return Err(LinkError::Refused { status: status.as_u16(), body });
    }
    let joined: Joined =
        serde_json::from_slice(&body).map_err(|error| LinkError::NotOfficeServer(error.to_string()))?;
    if link::pem_der(&joined.office_ca).as_deref() != Some(probe.ca_der.as_slice()) {
        return Err(LinkError::NotOfficeServer("the server answered with another CA".to_owned()));
    }
    Ok(DeskIdentity::new(probe.server_url.clone(), joined, name, pkcs8.as_ref()))
}
