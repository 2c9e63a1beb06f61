//! A registry that implements the OCI Referrers API, for the tests of that path: ferro-oci-server
//! (crates.io, an OCI distribution-spec v1.1 server: manifests, blobs, tags, `GET
//! /v2/<name>/referrers/<digest>` with `artifactType` filtering, `OCI-Subject` on manifest PUT),
//! served in-process on a free loopback port with an in-memory store. Debian's Distribution 2.8
//! (the [`super::Registry`] harness) has no Referrers API, so it covers the tag-schema path.

use std::sync::Arc;
use std::time::Duration;

use ferro_blob_store::InMemoryBlobStore;

/// A running ferro-oci-server on `127.0.0.1:<port>`, stopped on drop.
pub struct ApiRegistry {
    port: u16,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    agent: ureq::Agent,
}

impl ApiRegistry {
    /// Starts the server on its own runtime thread and waits until `/v2/` answers.
    pub fn start() -> ApiRegistry {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind api registry");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime for the api registry");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let app = ferro_oci_server::build_app(Arc::new(InMemoryBlobStore::new()));
                let serve = std::future::IntoFuture::into_future(axum::serve(listener, app));
                tokio::select! {
                    _ = serve => {}
                    _ = rx => {}
                }
            });
            // Open connections die with the runtime.
            runtime.shutdown_background();
        });
        let registry = ApiRegistry {
            port,
            shutdown: Some(tx),
            thread: Some(thread),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .proxy(None)
                .timeout_global(Some(Duration::from_secs(30)))
                .build()
                .into(),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while registry.get("/v2/").0 != 200 {
            assert!(
                std::time::Instant::now() < deadline,
                "ferro-oci-server did not answer"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        registry
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>/<repo_and_ref>`.
    pub fn reference(&self, repo_and_ref: &str) -> String {
        format!("{}/{}", self.addr(), repo_and_ref)
    }

    /// `GET <path>` (with `Accept` set to every manifest type); `(status, content type, body)`.
    pub fn get(&self, path: &str) -> (u16, String, Vec<u8>) {
        let url = format!("http://{}{path}", self.addr());
        let mut response = match self
            .agent
            .get(&url)
            .header("Accept", super::MANIFEST_ACCEPT)
            .call()
        {
            Ok(r) => r,
            Err(_) => return (0, String::new(), Vec::new()),
        };
        let status = response.status().as_u16();
        let content_type = super::header(response.headers(), "content-type");
        let body = response.body_mut().read_to_vec().unwrap_or_default();
        (status, content_type, body)
    }
}

impl Drop for ApiRegistry {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
