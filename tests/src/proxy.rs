//! A TCP proxy of the test's own between the api and PostgreSQL, that the test can cut (every
//! connection through it dropped, new ones closed at once, as when a network path fails) and
//! restore.
use std::net::SocketAddr;

use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

pub struct TcpProxy {
    /// Where the api connects instead of the database.
    pub addr: SocketAddr,
    cut: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    /// Starts forwarding 127.0.0.1:PORT (a free port) to `upstream`.
    pub async fn start(upstream: String) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let (cut, watching) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                if *watching.borrow() {
                    drop(client); // cut: closed at once
                    continue;
                }
                let upstream = upstream.clone();
                let mut watching = watching.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watching.wait_for(|cut| *cut) => {}
                    }
                    // Both sockets dropped here: each side sees its connection end.
                });
            }
        });
        TcpProxy { addr, cut, task }
    }

    /// Drops every connection through the proxy, and closes new ones as they come.
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    /// Forwards again.
    pub fn restore(&self) {
        self.cut.send_replace(false);
    }

    /// `url` (a PostgreSQL URL) with its host and port replaced by the proxy's, and the
    /// `host:port` it named.
    pub fn rewrite(url: &str) -> Option<(String, String)> {
        let (scheme, rest) = url.split_once("://")?;
        let (user, rest) = match rest.rsplit_once('@') {
            Some((user, rest)) => (format!("{user}@"), rest),
            None => (String::new(), rest),
        };
        let (host_port, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host_port = if host_port.contains(':') {
            host_port.to_string()
        } else {
            format!("{host_port}:5432")
        };
        Some((format!("{scheme}://{user}{{PROXY}}/{path}"), host_port))
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
