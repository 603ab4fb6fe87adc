//! A TCP forwarder on 127.0.0.1 that can imitate a failover behind a load
//! balancer or cloud proxy: the connections it carries stop answering but
//! are never closed, so the client cannot tell them dead without asking.
//! (A plain server restart closes sockets, which the driver notices by
//! itself; this is the case only a liveness query catches.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct BlackHoleProxy {
    pub port: u16,
    epoch: Arc<AtomicU64>,
    accept: tokio::task::JoinHandle<()>,
}

impl BlackHoleProxy {
    /// Forwards new connections to `target` (`host:port`).
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let epoch = Arc::new(AtomicU64::new(0));
        let accept = tokio::spawn({
            let epoch = epoch.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let Ok(server) = TcpStream::connect(target.as_str()).await else { continue };
                    tokio::spawn(pump(client, server, epoch.clone()));
                }
            }
        });
        Self { port, epoch, accept }
    }

    /// Every connection open now goes silent: what the client sends is
    /// swallowed, nothing comes back, and its socket stays open. New
    /// connections are forwarded as before.
    pub fn black_hole_open_connections(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for BlackHoleProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn pump(mut client: TcpStream, mut server: TcpStream, epoch: Arc<AtomicU64>) {
    let born = epoch.load(Ordering::SeqCst);
    let (mut to_client, mut to_server) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    loop {
        tokio::select! {
            read = client.read(&mut to_server) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if epoch.load(Ordering::SeqCst) != born {
                        break;
                    }
                    if server.write_all(&to_server[..n]).await.is_err() {
                        return;
                    }
                }
            },
            read = server.read(&mut to_client) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if epoch.load(Ordering::SeqCst) != born {
                        break;
                    }
                    if client.write_all(&to_client[..n]).await.is_err() {
                        return;
                    }
                }
            },
        }
    }
    // Silenced: let the server side go, keep the client's socket open and
    // swallow whatever it sends until it gives up.
    drop(server);
    while matches!(client.read(&mut to_server).await, Ok(n) if n > 0) {}
}
