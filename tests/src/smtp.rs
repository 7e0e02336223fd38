//! A real SMTP server for the tests (mailin-embedded on 127.0.0.1), keeping every message it
//! accepts. It can be told to refuse mail (as a server in trouble would, with a 451), and
//! [`closed_smtp_url`] gives an address where nothing listens (a server that is down).
use std::{
    net::{IpAddr, SocketAddr, TcpListener},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use mailin_embedded::{Handler, Response, Server, response};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    pub raw: String,
}

impl Received {
    /// A header's value, unfolded, with RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':')
                && n.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_string());
            }
        }
        value.map(|v| decode_words(&v))
    }

    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The decoded body of the first part of this content type (`text/plain`, `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        let boundary = self.header("Content-Type").and_then(|ct| {
            let (_, rest) = ct.split_once("boundary=")?;
            Some(
                rest.trim_matches(|c| c == '"' || c == ';' || c == ' ')
                    .to_string(),
            )
        })?;
        let marker = format!("--{boundary}");
        for chunk in self.raw.split(marker.as_str()).skip(1) {
            let Some((head, body)) = chunk.split_once("\r\n\r\n") else {
                continue;
            };
            let head_lower = head.to_ascii_lowercase();
            if !head_lower.contains(&format!("content-type: {content_type}")) {
                continue;
            }
            let body = body.trim_end_matches("\r\n");
            return Some(
                if head_lower.contains("content-transfer-encoding: base64") {
                    String::from_utf8_lossy(&base64_decode(body)).into_owned()
                } else if head_lower.contains("content-transfer-encoding: quoted-printable") {
                    String::from_utf8_lossy(&quoted_printable_decode(body)).into_owned()
                } else {
                    body.to_string()
                },
            );
        }
        None
    }

    pub fn text(&self) -> String {
        self.part("text/plain")
            .unwrap_or_default()
            .replace("\r\n", "\n")
    }

    pub fn html(&self) -> String {
        self.part("text/html")
            .unwrap_or_default()
            .replace("\r\n", "\n")
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .unwrap_or_default()
}

fn quoted_printable_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' => {
                let byte = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match byte {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes `=?utf-8?b?…?=` and `=?utf-8?q?…?=` words.
fn decode_words(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(start) = rest.find("=?") {
        let (before, after) = rest.split_at(start);
        let parts: Vec<&str> = after[2..].splitn(3, '?').collect();
        if parts.len() < 3 {
            break;
        }
        let Some(end) = parts[2].find("?=") else {
            break;
        };
        let (encoding, text) = (parts[1], &parts[2][..end]);
        if !before.trim().is_empty() {
            out.push_str(before);
        }
        let bytes = if encoding.eq_ignore_ascii_case("b") {
            base64_decode(text)
        } else {
            quoted_printable_decode(&text.replace('_', " "))
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        let consumed = 2 + parts[0].len() + 1 + parts[1].len() + 1 + end + 2;
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

#[derive(Clone)]
struct Collector {
    inbox: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicBool>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        if self.refuse.load(Ordering::SeqCst) {
            return response::Response::custom(451, "4.3.0 try again later".to_string());
        }
        self.from = from.to_string();
        self.to.clear();
        self.data.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.to.push(to.to_string());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received {
            from: self.from.clone(),
            to: self.to.clone(),
            raw: String::from_utf8_lossy(&self.data).into_owned(),
        };
        self.inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message);
        response::OK
    }
}

/// An SMTP server on 127.0.0.1 that keeps what it receives (it runs until the test process
/// ends).
pub struct SmtpSink {
    pub addr: SocketAddr,
    inbox: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicBool>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        Self::start_on(listener)
    }

    /// Starts on a listener already bound (e.g. to the port a test pointed a worker at).
    pub fn start_on(listener: TcpListener) -> SmtpSink {
        let addr = listener.local_addr().expect("sink address");
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let refuse = Arc::new(AtomicBool::new(false));
        let handler = Collector {
            inbox: inbox.clone(),
            refuse: refuse.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        std::thread::spawn(move || {
            let mut server = Server::new(handler);
            // As many connections at once as a worker pools (a relay such as Postfix takes 100).
            server
                .with_name("sink.test")
                .with_num_threads(64)
                .with_tcp_listener(listener);
            // The error type is not Send: report it here.
            if let Err(e) = server.serve() {
                eprintln!("SMTP sink stopped: {e}");
            }
        });
        SmtpSink {
            addr,
            inbox,
            refuse,
        }
    }

    /// `smtp://127.0.0.1:PORT`, for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// While set, every message is refused with 451 (temporary failure).
    pub fn refuse(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Takes everything received so far, leaving the inbox empty.
    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.inbox.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Waits (up to 5 s) until at least `n` messages have arrived, and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let got = self.messages();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// An `smtp://` URL where nothing listens: a port bound then released.
pub fn closed_smtp_url() -> (String, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    (format!("smtp://127.0.0.1:{port}"), port)
}
