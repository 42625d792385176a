//! A real OpenID provider for the federation tests: panva's certified `oidc-provider`
//! (installed with `npm ci` from `tests/oidc/package-lock.json`), run by node from
//! `tests/oidc/upstream.mjs`, and a browser's way through its login and consent pages.
//!
//! Needs `node` and `npm` with registry access: in CI (`CI` set) their absence fails the test;
//! elsewhere the test prints `NOT RUN: node` and passes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};
use url::Url;

/// The version in `tests/oidc/package.json`.
const VERSION: &str = "9.13.3";

/// The provider's client that the pool is (its `client_id` and secret at the provider).
pub const UPSTREAM_CLIENT: &str = "userpool-test-client";
pub const UPSTREAM_SECRET: &str = "upstream-client-secret-0123456789";

/// Fails in CI, says so and returns `None` elsewhere.
pub fn not_run(why: &str) -> Option<Upstream> {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so the federation test must run against oidc-provider: {why}");
    }
    println!("NOT RUN: node (oidc-provider): {why}");
    None
}

/// A directory with `oidc-provider` installed from the committed lockfile (once per target dir).
fn install() -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oidc-upstream");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // Several tests start providers at once: they take turns here, and a file is rewritten only
    // when it changed, so that no test's node reads a half-copied script or a node_modules that
    // another test's `npm ci` is replacing.
    let _guard = DirLock::take(&dir.join(".installing"))?;
    for file in ["package.json", "package-lock.json", "upstream.mjs"] {
        let want = std::fs::read(src.join(file)).map_err(|e| format!("{file}: {e}"))?;
        if std::fs::read(dir.join(file)).ok().as_deref() != Some(want.as_slice()) {
            std::fs::write(dir.join(file), want).map_err(|e| format!("{file}: {e}"))?;
        }
    }
    let installed = dir.join("node_modules/oidc-provider/package.json");
    let version = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .and_then(|p| p["version"].as_str().map(String::from));
    if version.as_deref() != Some(VERSION) {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("npm: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "npm ci failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(dir)
}

/// A lock held while a directory exists (`create_dir` is atomic).
struct DirLock(PathBuf);

impl DirLock {
    fn take(path: &Path) -> Result<DirLock, String> {
        for _ in 0..600 {
            if std::fs::create_dir(path).is_ok() {
                return Ok(DirLock(path.to_path_buf()));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Err("npm install lock held for a minute".into())
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// A running provider; stopped when dropped.
pub struct Upstream {
    child: Child,
    pub issuer: String,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Upstream {
    /// Makes the token endpoint hand out bad ID tokens (`signature`, `audience`, `nonce`) or
    /// honest ones again (`none`).
    pub async fn set_mode(&self, mode: &str) {
        let r = reqwest::get(format!("{}/__test/mode?set={mode}", self.issuer))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
}

/// Starts the provider with one client whose redirect URI is `redirect_uri` (the pool's
/// `/oauth2/idpresponse`); `None` when node cannot run here (outside CI).
pub fn start(redirect_uri: &str) -> Option<Upstream> {
    let dir = match install() {
        Ok(d) => d,
        Err(why) => return not_run(&why),
    };
    let config = json!({"clients": [{
        "client_id": UPSTREAM_CLIENT,
        "client_secret": UPSTREAM_SECRET,
        "redirect_uris": [redirect_uri],
    }]});
    let mut child = match Command::new("node")
        .arg("upstream.mjs")
        .arg(config.to_string())
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return not_run(&format!("node: {e}")),
    };
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    stdout.read_line(&mut line).unwrap();
    // Keep reading: a closed pipe would kill node at its next write to stdout.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let v: Value = serde_json::from_str(&line).expect("upstream.mjs prints its issuer");
    let issuer = v["issuer"].as_str().unwrap().to_string();
    Some(Upstream { child, issuer })
}

/// Follows a browser's way from `start` through the provider's login (as `login`) and consent
/// pages until a redirect leaves for `stop_at` (the app's callback); that URL.
pub async fn browse_until(http: &reqwest::Client, start: &str, login: &str, stop_at: &str) -> Url {
    let mut url = Url::parse(start).unwrap();
    for _ in 0..20 {
        if url.as_str().starts_with(stop_at) {
            return url;
        }
        let resp = http.get(url.clone()).send().await.unwrap();
        if resp.status().is_redirection() {
            url = crate::location(&resp);
            continue;
        }
        assert_eq!(resp.status(), 200, "GET {url}");
        let html = resp.text().await.unwrap();
        let action = between(&html, "action=\"", "\"").expect("a form");
        let prompt = between(&html, "name=\"prompt\" value=\"", "\"").expect("a prompt");
        let mut form = vec![("prompt", prompt.as_str())];
        if prompt == "login" {
            form.extend([("login", login), ("password", "any password")]);
        }
        let resp = http
            .post(url.join(&action).unwrap())
            .form(&form)
            .send()
            .await
            .unwrap();
        url = crate::location(&resp);
    }
    panic!("no redirect to {stop_at} after 20 steps (at {url})");
}

fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(s[from..from + len].to_string())
}
