//! The hostile registry: a plain-HTTP server on a loopback address whose answers a test scripts
//! per request ([`Action`]), for the faults a real registry will not produce on demand: 5xx and
//! 429 bursts, stalls before the headers or inside the body, truncated bodies, resets, endless
//! bodies, wrong headers. Whatever a script does not take over is [`Action::Forward`]ed to a
//! real Distribution behind it (upload `Location`s rewritten to the hostile origin), so push and
//! pull run the real protocol with faults injected. Several servers on different ports or
//! loopback addresses (`127.0.0.2`) act as the "storage" and "attacker" origins; each keeps a
//! log of every request with its headers ([`Hostile::log`]).
//!
//! One request per connection (`Connection: close`). Stalls last until the server is dropped.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{FakeResponse, Registry};

/// One request as the hostile server received it.
#[derive(Debug, Clone)]
pub struct Req {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The request-target (path and query).
    pub uri: String,
    /// Headers in arrival order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body's `Content-Length`.
    pub body_len: usize,
    /// When it arrived.
    pub at: Instant,
}

impl Req {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or_default()
    }

    /// `METHOD path` (no query): the key of [`Counter`].
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path())
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer this.
    Reply(FakeResponse),
    /// Pass it to the Distribution behind and relay its answer, with `headers` changed.
    ForwardWith(Vec<(String, String)>),
    /// Pass it to the Distribution behind and relay its answer.
    Forward,
    /// Like [`Action::Forward`], with an absolute `Location` on this server made relative
    /// (`/v2/...?_state=...`).
    ForwardRelativeLocation,
    /// Read the request, never answer (keep the connection open).
    Stall,
    /// Read the headers only: neither the body nor an answer (an upload that stops moving).
    StallUnread,
    /// Send the status line and headers with this `Content-Length`, then `body`, then stall.
    HeadersThenStall {
        /// Status code.
        status: u16,
        /// Headers besides `Content-Length`.
        headers: Vec<(String, String)>,
        /// The announced length.
        content_length: u64,
        /// What is sent before the stall.
        body: Vec<u8>,
    },
    /// Send the headers with this `Content-Length`, then `body` (shorter), then close.
    Truncated {
        /// Status code.
        status: u16,
        /// Headers besides `Content-Length`.
        headers: Vec<(String, String)>,
        /// The announced length.
        content_length: u64,
        /// What is sent before closing.
        body: Vec<u8>,
    },
    /// Announce `content_length` bytes and send zeros until the client goes away (the bytes
    /// written are added to [`Hostile::bytes_sent`]).
    Endless {
        /// Status code.
        status: u16,
        /// Headers besides `Content-Length`.
        headers: Vec<(String, String)>,
        /// The announced length.
        content_length: u64,
    },
    /// Close the connection with a TCP reset before answering.
    Reset,
    /// Send the headers with this `Content-Length`, then `body` one byte every `every` (a
    /// registry that trickles: never silent for long, never done), then stall.
    Trickle {
        /// Status code.
        status: u16,
        /// Headers besides `Content-Length`.
        headers: Vec<(String, String)>,
        /// The announced length.
        content_length: u64,
        /// What is trickled.
        body: Vec<u8>,
        /// The pause before each byte.
        every: Duration,
    },
}

type Handler = dyn Fn(&Req) -> Action + Send + Sync + 'static;

/// A running hostile server; stopped (and its stalls released) on drop.
pub struct Hostile {
    ip: String,
    port: u16,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Req>>>,
    sent: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

/// Counts requests per route (`METHOD path`), for scripts such as "the first two fail".
#[derive(Debug, Default, Clone)]
pub struct Counter(Arc<Mutex<HashMap<String, u32>>>);

impl Counter {
    /// Records `req` and returns how many times its route has been seen, this one included.
    pub fn hit(&self, req: &Req) -> u32 {
        let mut map = self.0.lock().unwrap();
        let n = map.entry(req.route()).or_default();
        *n += 1;
        *n
    }
}

impl Hostile {
    /// Serves on `127.0.0.1`, forwarding to `backend` where the handler says so.
    pub fn start(
        backend: Option<&Registry>,
        handler: impl Fn(&Req) -> Action + Send + Sync + 'static,
    ) -> Hostile {
        Hostile::start_on("127.0.0.1", backend, handler)
    }

    /// Serves on `ip` (another loopback address makes another host).
    pub fn start_on(
        ip: &str,
        backend: Option<&Registry>,
        handler: impl Fn(&Req) -> Action + Send + Sync + 'static,
    ) -> Hostile {
        let listener = TcpListener::bind((ip, 0)).expect("bind hostile server");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let backend = backend.map(|r| Arc::new(r.base_url()));
        let me = format!("http://{ip}:{port}");
        let thread = {
            let (stop, log, sent) = (stop.clone(), log.clone(), sent.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (handler, log, sent, stop) =
                        (handler.clone(), log.clone(), sent.clone(), stop.clone());
                    let (backend, me) = (backend.clone(), me.clone());
                    std::thread::spawn(move || {
                        let _ = serve(stream, &*handler, &log, &sent, &stop, backend, &me);
                    });
                }
            })
        };
        Hostile {
            ip: ip.to_string(),
            port,
            stop,
            log,
            sent,
            thread: Some(thread),
        }
    }

    /// `ip:port`.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    /// The requests of route `METHOD path-prefix`.
    pub fn hits(&self, method: &str, path_prefix: &str) -> Vec<Req> {
        self.log()
            .into_iter()
            .filter(|r| r.method == method && r.path().starts_with(path_prefix))
            .collect()
    }

    /// Body bytes written by [`Action::Endless`] answers.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect((self.ip.as_str(), self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn head(status: u16, headers: &[(String, String)], content_length: u64) -> String {
    let mut text = format!("HTTP/1.1 {status} Hostile\r\n");
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("connection")
        {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    text.push_str(&format!(
        "Content-Length: {content_length}\r\nConnection: close\r\n\r\n"
    ));
    text
}

fn stall(stop: &AtomicBool) {
    let until = Instant::now() + Duration::from_secs(120);
    while !stop.load(Ordering::SeqCst) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a properly sized `linger` value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

fn serve(
    stream: TcpStream,
    handler: &Handler,
    log: &Mutex<Vec<Req>>,
    sent: &AtomicU64,
    stop: &AtomicBool,
    backend: Option<Arc<String>>,
    me: &str,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    if super::answer_tls_hello_as_plain_http(&stream)? {
        return Ok(());
    }
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(());
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let uri = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        if reader.read_line(&mut l)? == 0 || l == "\r\n" || l == "\n" {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let req = Req {
        method: method.clone(),
        uri: uri.clone(),
        headers,
        body_len: len,
        at: Instant::now(),
    };
    log.lock().unwrap().push(req.clone());
    let action = handler(&req);
    if let Action::StallUnread = action {
        stall(stop);
        return Ok(());
    }
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body)?;
    let mut stream = stream;
    let is_head = method == "HEAD";
    let reply = |stream: &mut TcpStream, r: &FakeResponse| -> std::io::Result<()> {
        stream.write_all(head(r.status, &r.headers, r.body.len() as u64).as_bytes())?;
        if !is_head {
            stream.write_all(&r.body)?;
        }
        Ok(())
    };
    match action {
        Action::StallUnread => unreachable!("handled before the body is read"),
        Action::Reply(r) => reply(&mut stream, &r)?,
        action @ (Action::Forward | Action::ForwardWith(_) | Action::ForwardRelativeLocation) => {
            let backend = backend.expect("Forward needs a backend registry");
            let r = forward(&backend, me, &req, &body)?;
            let r = match action {
                Action::ForwardWith(extra) => {
                    let mut r = r;
                    for (n, v) in extra {
                        r.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&n));
                        r.headers.push((n, v));
                    }
                    r
                }
                Action::ForwardRelativeLocation => {
                    let mut r = r;
                    for (n, v) in r.headers.iter_mut() {
                        if n.eq_ignore_ascii_case("location") {
                            *v = v.replace(me, "");
                        }
                    }
                    r
                }
                _ => r,
            };
            // A HEAD keeps the backend's Content-Length.
            if is_head {
                let cl = r
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                stream.write_all(head(r.status, &r.headers, cl).as_bytes())?;
            } else {
                reply(&mut stream, &r)?;
            }
        }
        Action::Stall => {
            stall(stop);
            return Ok(());
        }
        Action::HeadersThenStall {
            status,
            headers,
            content_length,
            body,
        } => {
            stream.write_all(head(status, &headers, content_length).as_bytes())?;
            stream.write_all(&body)?;
            stream.flush()?;
            stall(stop);
            return Ok(());
        }
        Action::Truncated {
            status,
            headers,
            content_length,
            body,
        } => {
            stream.write_all(head(status, &headers, content_length).as_bytes())?;
            stream.write_all(&body)?;
        }
        Action::Endless {
            status,
            headers,
            content_length,
        } => {
            stream.write_all(head(status, &headers, content_length).as_bytes())?;
            let chunk = vec![b'x'; 64 * 1024];
            let mut left = content_length;
            while left > 0 && !stop.load(Ordering::SeqCst) {
                let n = chunk.len().min(left as usize);
                match stream.write(&chunk[..n]) {
                    Ok(0) | Err(_) => break,
                    Ok(w) => {
                        sent.fetch_add(w as u64, Ordering::SeqCst);
                        left -= w as u64;
                    }
                }
            }
        }
        Action::Reset => {
            reset(&stream);
            return Ok(());
        }
        Action::Trickle {
            status,
            headers,
            content_length,
            body,
            every,
        } => {
            stream.write_all(head(status, &headers, content_length).as_bytes())?;
            stream.flush()?;
            for byte in body {
                std::thread::sleep(every);
                if stop.load(Ordering::SeqCst) || stream.write_all(&[byte]).is_err() {
                    return Ok(());
                }
                let _ = stream.flush();
                sent.fetch_add(1, Ordering::SeqCst);
            }
            stall(stop);
            return Ok(());
        }
    }
    stream.flush()?;
    let _ = stream.shutdown(Shutdown::Both);
    Ok(())
}

/// Relays `req` to the real registry at `backend`; absolute `Location`s on the backend are
/// rewritten to `me`.
fn forward(backend: &str, me: &str, req: &Req, body: &[u8]) -> std::io::Result<FakeResponse> {
    let url = format!("{backend}{}", req.uri);
    let mut builder = ureq::http::Request::builder()
        .method(req.method.as_str())
        .uri(&url);
    for name in ["content-type", "accept", "range", "content-range"] {
        if let Some(v) = req.header(name) {
            builder = builder.header(name, v);
        }
    }
    let request = builder.body(body.to_vec()).map_err(std::io::Error::other)?;
    let mut response = super::http_agent()
        .run(request)
        .map_err(std::io::Error::other)?;
    let status = response.status().as_u16();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(n, _)| {
            !matches!(
                n.as_str(),
                "content-length" | "connection" | "transfer-encoding"
            )
        })
        .map(|(n, v)| {
            let v = v.to_str().unwrap_or_default().replace(backend, me);
            (n.as_str().to_string(), v)
        })
        .chain(
            (req.method == "HEAD")
                .then(|| response.headers().get("content-length"))
                .flatten()
                .map(|v| {
                    (
                        "content-length".to_string(),
                        v.to_str().unwrap_or("0").to_string(),
                    )
                }),
        )
        .collect();
    let body = if req.method == "HEAD" {
        Vec::new()
    } else {
        response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .map_err(std::io::Error::other)?
    };
    Ok(FakeResponse {
        status,
        headers,
        body,
    })
}
