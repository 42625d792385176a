//! A TCP proxy in front of a real service (Postgres, Redis) that a test can take down (refuse:
//! accept and close at once), hang (accept and never answer) and bring back. Every switch also
//! cuts the connections already open, as a restarted server would.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Up,
    Refuse,
    Hang,
}

pub struct Proxy {
    pub port: u16,
    mode: watch::Sender<(Mode, u64)>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = watch::channel((Mode::Up, 0));
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                let mut rx = rx.clone();
                let (mode, generation) = *rx.borrow_and_update();
                tokio::spawn(async move {
                    // Ends (closing both sides) as soon as the mode changes.
                    let cut = async {
                        let _ = rx.wait_for(|(_, g)| *g != generation).await;
                    };
                    match mode {
                        Mode::Refuse => {}
                        Mode::Hang => cut.await,
                        Mode::Up => {
                            let Ok(mut outbound) = TcpStream::connect(target).await else {
                                return;
                            };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                _ = cut => {}
                            }
                        }
                    }
                });
            }
        });
        Proxy {
            port,
            mode: tx,
            task,
        }
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_modify(|(m, g)| {
            *m = mode;
            *g += 1;
        });
    }
}
