//! A diagnostic TLS handshake: does a registry ask for a client certificate?
//!
//! In TLS 1.3 the client's handshake is over before the server has checked the client's
//! certificate, so a registry that wants one (or refuses the one given) closes the connection
//! afterwards with an alert, and what the request sees (the alert, a closed channel, a reset)
//! depends on timing. After such a failure, one handshake of our own says for sure: the server
//! asked for a certificate when our resolver is consulted. Nothing is sent after the handshake,
//! so its certificate is not checked here (the request's own handshake did that).

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// How long the probe may take to connect, and to wait for each answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Records that the server asked for a client certificate, and offers none.
#[derive(Debug, Default)]
struct Asked(AtomicBool);

impl ResolvesClientCert for Asked {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.0.store(true, Ordering::SeqCst);
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

/// Accepts any server certificate: the probe sends nothing but the handshake.
#[derive(Debug)]
struct AnyServer(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Whether the TLS server `host` at `addr` asks for a client certificate in its handshake.
/// `false` when it does not, or when the probe cannot tell (no connection, no handshake).
pub(crate) async fn asks_for_client_certificate(host: String, addr: SocketAddr) -> bool {
    tokio::task::spawn_blocking(move || probe(&host, addr).unwrap_or(false))
        .await
        .unwrap_or(false)
}

fn probe(host: &str, addr: SocketAddr) -> Option<bool> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let asked = Arc::new(Asked::default());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServer(provider)))
        .with_client_cert_resolver(asked.clone());
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']'))
        .ok()?
        .to_owned();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), name).ok()?;
    let mut socket = TcpStream::connect_timeout(&addr, PROBE_TIMEOUT).ok()?;
    socket.set_read_timeout(Some(PROBE_TIMEOUT)).ok()?;
    socket.set_write_timeout(Some(PROBE_TIMEOUT)).ok()?;
    while conn.is_handshaking() {
        if conn.complete_io(&mut socket).is_err() || asked.0.load(Ordering::SeqCst) {
            break;
        }
    }
    Some(asked.0.load(Ordering::SeqCst))
}
