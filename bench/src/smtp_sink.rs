//! An SMTP sink on 127.0.0.1: accepts every message and counts it. Just enough of RFC 5321
//! for lettre (EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP, QUIT). It runs on
//! a thread and runtime of its own, so it is a separate peer like a real relay.
use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

pub struct Sink {
    pub addr: SocketAddr,
    pub messages: Arc<AtomicU64>,
    pub bytes: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sink {
    /// A sink that acknowledges as Linux does by default (delayed ACKs, as a Postfix relay
    /// would), or with `quick_ack` at once (`TCP_QUICKACK` before every read): what a client
    /// that sets `TCP_NODELAY` would see from any server.
    pub fn start(quick_ack: bool) -> anyhow::Result<Self> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let (messages, bytes, stop) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (m, b, s) = (messages.clone(), bytes.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = TcpListener::from_std(std_listener) else {
                    return;
                };
                while !s.load(Ordering::Relaxed) {
                    let accepted = tokio::time::timeout(
                        std::time::Duration::from_millis(100),
                        listener.accept(),
                    )
                    .await;
                    if let Ok(Ok((stream, _))) = accepted {
                        let (m, b) = (m.clone(), b.clone());
                        tokio::spawn(async move {
                            let _ = session(stream, m, b, quick_ack).await;
                        });
                    }
                }
            });
        });
        Ok(Self {
            addr,
            messages,
            bytes,
            stop,
            thread: Some(thread),
        })
    }

    pub fn count(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `TCP_QUICKACK` on: the next segments are acknowledged at once (Linux clears it again by
/// itself, so it is set before every read).
fn quick_ack(fd: std::os::fd::RawFd) {
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor owned by the session, and a c_int option value.
    unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

async fn session(
    stream: TcpStream,
    messages: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
    quick: bool,
) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    stream.set_nodelay(true)?;
    let fd = stream.as_raw_fd();
    let arm = || {
        if quick {
            quick_ack(fd);
        }
    };
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write
        .write_all(b"220 sink.localhost ESMTP bench sink\r\n")
        .await?;
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        arm();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb = line
            .get(..4)
            .map(|v| v.to_ascii_uppercase())
            .unwrap_or_default();
        let reply: &[u8] = match verb.as_slice() {
            b"EHLO" => b"250-sink.localhost\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n",
            b"HELO" | b"MAIL" | b"RCPT" | b"RSET" | b"NOOP" => b"250 OK\r\n",
            b"DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut size = 0u64;
                loop {
                    line.clear();
                    arm();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    size += line.len() as u64;
                }
                messages.fetch_add(1, Ordering::Relaxed);
                bytes.fetch_add(size, Ordering::Relaxed);
                b"250 OK queued\r\n"
            }
            b"QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};

    #[test]
    fn accepts_and_counts_a_message() {
        let sink = Sink::start(true).unwrap();
        let stream = std::net::TcpStream::connect(sink.addr).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut w = stream;
        let mut line = String::new();
        let mut expect = |reader: &mut BufReader<std::net::TcpStream>, code: &str| {
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                assert!(line.starts_with(code), "{line}");
                if line.as_bytes().get(3) != Some(&b'-') {
                    break;
                }
            }
        };
        expect(&mut reader, "220");
        for (cmd, code) in [
            ("EHLO me", "250"),
            ("MAIL FROM:<a@b>", "250"),
            ("RCPT TO:<c@d>", "250"),
            ("DATA", "354"),
        ] {
            write!(w, "{cmd}\r\n").unwrap();
            expect(&mut reader, code);
        }
        w.write_all(b"Subject: x\r\n\r\nhello\r\n..dot-stuffed\r\n.\r\n")
            .unwrap();
        expect(&mut reader, "250");
        w.write_all(b"QUIT\r\n").unwrap();
        expect(&mut reader, "221");
        assert_eq!(sink.count(), 1);
    }
}
