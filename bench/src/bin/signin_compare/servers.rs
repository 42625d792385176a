//! The two app servers (the release site and `next start`) as child processes in their own
//! process groups: started with the pool's configuration, waited for, stopped, and their CPU time.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Url;

/// The session secret both stacks get (`AUTH_SECRET`, `NEXTAUTH_SECRET`).
const SECRET: &str = "hallpass-bench-secret-0123456789abcdefghijkl";
/// Clock ticks per second of `/proc/*/stat` (`sysconf(_SC_CLK_TCK)`: 100 on Linux).
const CLK_TCK: f64 = 100.0;

/// Where the servers' programs are and where their logs go.
pub struct Launch {
    /// The release `hallpass-site` binary.
    pub site_bin: PathBuf,
    /// The built Next.js + next-auth app (`bench/nextauth`).
    pub next_dir: PathBuf,
    /// One log file per server, and the site's working directory.
    pub log_dir: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stack {
    Site,
    Next,
}

impl Stack {
    pub fn name(self) -> &'static str {
        match self {
            Stack::Site => "site",
            Stack::Next => "next",
        }
    }
}

struct Server {
    stack: Stack,
    url: Url,
    child: Child,
    log: PathBuf,
}

/// The servers started so far; stopped (by PID, with their process group) when dropped.
#[derive(Default)]
pub struct Servers(Mutex<Vec<Server>>);

fn signal_group(pid: u32, signal: &str) {
    // The child leads its own process group (next start may fork): signal the whole group.
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status();
}

impl Servers {
    /// The process group (the leader's PID) of `stack`'s server, if it was started.
    pub fn pgid(&self, stack: Stack) -> Option<u32> {
        let servers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        servers
            .iter()
            .find(|s| s.stack == stack)
            .map(|s| s.child.id())
    }

    /// `stack log: path (url)` for every server started.
    pub fn logs(&self) -> Vec<String> {
        let servers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        servers
            .iter()
            .map(|s| format!("{} log: {} ({})", s.stack.name(), s.log.display(), s.url))
            .collect()
    }

    pub fn stop_all(&self) {
        let mut servers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for mut s in servers.drain(..) {
            let pid = s.child.id();
            if matches!(s.child.try_wait(), Ok(None)) {
                signal_group(pid, "-TERM");
                let deadline = Instant::now() + Duration::from_secs(5);
                while matches!(s.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                if matches!(s.child.try_wait(), Ok(None)) {
                    signal_group(pid, "-KILL");
                    let _ = s.child.wait();
                }
            }
        }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// A free port on 127.0.0.1 (bound, read, released).
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

/// The app server's command line, environment included (nothing inherited but PATH and HOME).
fn command(stack: Stack, opts: &Launch, port: u16, url: &Url, issuer: &Url) -> Command {
    let origin = url.as_str().trim_end_matches('/');
    let mut cmd;
    match stack {
        Stack::Site => {
            cmd = Command::new(&opts.site_bin);
            // No stray .env / .env.local: the site reads them from its working directory.
            cmd.current_dir(&opts.log_dir)
                .env("PORT", port.to_string())
                .env("AUTH_URL", origin)
                .env("AUTH_SECRET", SECRET);
        }
        Stack::Next => {
            cmd = Command::new("node");
            cmd.current_dir(&opts.next_dir)
                .args([
                    "node_modules/next/dist/bin/next",
                    "start",
                    "-H",
                    "127.0.0.1",
                ])
                .args(["-p", &port.to_string()])
                .env("NODE_ENV", "production")
                .env("NEXT_TELEMETRY_DISABLED", "1")
                .env("NEXTAUTH_URL", origin)
                .env("NEXTAUTH_SECRET", SECRET);
        }
    }
    cmd.env_clear_keep()
        .env("COGNITO_CLIENT_ID", userpool::DEMO_CLIENT_ID)
        .env("COGNITO_CLIENT_SECRET", userpool::DEMO_CLIENT_SECRET)
        .env("COGNITO_ISSUER", issuer.as_str());
    cmd
}

/// `env_clear`, keeping PATH and HOME (node and npm need them) and what was already set.
trait EnvClearKeep {
    fn env_clear_keep(&mut self) -> &mut Self;
}

impl EnvClearKeep for Command {
    fn env_clear_keep(&mut self) -> &mut Self {
        let set: Vec<(std::ffi::OsString, std::ffi::OsString)> = self
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
            .collect();
        self.env_clear();
        for k in ["PATH", "HOME"] {
            if let Some(v) = std::env::var_os(k) {
                self.env(k, v);
            }
        }
        self.envs(set)
    }
}

/// Starts `stack` on `port` and waits (at most 60 s) for its `GET /api/auth/csrf` to answer 200.
pub async fn start_server(
    stack: Stack,
    opts: &Launch,
    port: u16,
    issuer: &Url,
    servers: &Servers,
) -> Result<Url, String> {
    use std::os::unix::process::CommandExt as _;
    let url = Url::parse(&format!("http://127.0.0.1:{port}")).map_err(|e| e.to_string())?;
    match stack {
        Stack::Site if !opts.site_bin.is_file() => {
            return Err(format!(
                "{} is missing: cargo build --release -p hallpass-site",
                opts.site_bin.display()
            ))
        }
        Stack::Next if !opts.next_dir.join(".next/BUILD_ID").is_file() => {
            return Err(format!(
                "{} is not built: cd {0} && npm ci && npx next build",
                opts.next_dir.display()
            ))
        }
        _ => {}
    }
    let log = opts
        .log_dir
        .join(format!("signin-compare-{}.log", stack.name()));
    let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let t = Instant::now();
    let child = command(stack, opts, port, &url, issuer)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("{} did not start: {e}", stack.name()))?;
    let pid = child.id();
    servers
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Server {
            stack,
            url: url.clone(),
            child,
            log: log.clone(),
        });
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let csrf = url.join("/api/auth/csrf").map_err(|e| e.to_string())?;
    let deadline = t + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(csrf.clone()).send().await {
            if r.status().is_success() {
                break;
            }
        }
        let exited = servers
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter_mut()
            .find(|s| s.stack == stack)
            .and_then(|s| s.child.try_wait().ok().flatten());
        if let Some(status) = exited {
            return Err(format!(
                "{} exited ({status}) before answering; see {}",
                stack.name(),
                log.display()
            ));
        }
        if Instant::now() > deadline {
            return Err(format!(
                "{} did not answer within 60 s; see {}",
                stack.name(),
                log.display()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "# {} pid {pid} on {url}, first answer after {} ms",
        stack.name(),
        t.elapsed().as_millis()
    );
    Ok(url)
}

// ---- CPU time ---------------------------------------------------------------------------------------

/// User + system CPU of the processes in process group `pgid` (`None`: this process).
pub fn cpu(pgid: Option<u32>) -> Duration {
    let ticks = |stat: &str| -> Option<(u32, f64)> {
        // After the command name: state ppid pgrp ... utime (11) stime (12).
        let f: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let pgrp = f.get(2)?.parse().ok()?;
        let t = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
        Some((pgrp, t))
    };
    let total = match pgid {
        None => std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| ticks(&s))
            .map_or(0.0, |(_, t)| t),
        Some(g) => std::fs::read_dir("/proc")
            .map(|dir| {
                dir.flatten()
                    .filter(|d| {
                        d.file_name()
                            .to_string_lossy()
                            .bytes()
                            .all(|b| b.is_ascii_digit())
                    })
                    .filter_map(|d| std::fs::read_to_string(d.path().join("stat")).ok())
                    .filter_map(|s| ticks(&s))
                    .filter(|(p, _)| *p == g)
                    .map(|(_, t)| t)
                    .sum()
            })
            .unwrap_or(0.0),
    };
    Duration::from_secs_f64(total / CLK_TCK)
}
