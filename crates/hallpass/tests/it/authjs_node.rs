//! The real `@auth/core@0.41.3` (installed with `npm ci` from `tests/authjs/package-lock.json`)
//! reads the cookies Hallpass writes in `authjs-v5` mode, and Hallpass reads Auth.js's, with two
//! secrets set the way a Next.js app sets them (`AUTH_SECRET_1`, `AUTH_SECRET_2`).
//!
//! Needs `node` and `npm` with registry access: in CI (`CI` set) their absence fails the test;
//! elsewhere it prints `NOT RUN: node` and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hallpass::Config;
use serde_json::{json, Value};

use crate::authjs::vectors;
use crate::support::app::{spawn_app_with, TestApp};

const SECOND_SECRET: &str = "hallpass-second-secret-for-rotation-0123";
const NAME: &str = "authjs.session-token";

/// Fails in CI, says so and passes elsewhere.
fn not_run(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so the Auth.js interop test must run: {why}");
    }
    println!("NOT RUN: node (@auth/core interop): {why}");
}

/// A directory with `@auth/core` installed from the committed lockfile (once per target dir).
fn install() -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/authjs");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("authjs-interop");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for file in ["package.json", "package-lock.json", "interop.mjs"] {
        std::fs::copy(src.join(file), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    let installed = dir.join("node_modules/@auth/core/package.json");
    let version = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .and_then(|p| p["version"].as_str().map(String::from));
    if version.as_deref() != Some("0.41.3") {
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

/// Runs `interop.mjs` with Auth.js's environment and `input`; its JSON answer.
fn run_authjs(dir: &Path, secret: &str, input: &Value) -> Result<Value, String> {
    let out = Command::new("node")
        .arg("interop.mjs")
        .arg(input.to_string())
        .current_dir(dir)
        // Only what the Next.js app would have: nothing of this process's own AUTH_* variables.
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AUTH_URL", "http://localhost:3000/api/auth")
        .env("AUTH_SECRET_1", secret)
        .env("AUTH_SECRET_2", SECOND_SECRET)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "interop.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("interop.mjs output: {e}"))
}

fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap().to_string())
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.at(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

fn header(token: &str) -> &str {
    token.split('.').next().unwrap()
}

#[tokio::test]
async fn authjs_reads_hallpass_cookies_and_hallpass_reads_authjs() {
    let dir = match install() {
        Ok(dir) => dir,
        Err(why) => return not_run(&why),
    };
    let v = vectors();
    let secret = v["secret"].as_str().unwrap().to_string();
    let env = [
        ("AUTH_SECRET_1", secret.clone()),
        ("AUTH_SECRET_2", SECOND_SECRET.to_string()),
        ("AUTH_COMPAT", "authjs-v5".to_string()),
    ];
    let config = Config::builder()
        .with_vars(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
        .unwrap();
    let app = spawn_app_with(config, vec![], None).await;
    assert_eq!(app.hallpass.session_cookie_name(), NAME);

    // A session Hallpass issued through its sign-in, and the CSRF cookie it set.
    let res = app
        .client
        .post(app.at("/handler/sign-in"))
        .send()
        .await
        .unwrap();
    let session = set_cookie(&res, NAME).expect("a session cookie");
    let res = get(&app, "/api/auth/csrf", "").await;
    let csrf = set_cookie(&res, "authjs.csrf-token").expect("a CSRF cookie");

    let out = match run_authjs(
        &dir,
        &secret,
        &json!({"sessionCookie": session, "csrfCookie": csrf}),
    ) {
        Ok(out) => out,
        Err(why) => return not_run(&why),
    };
    assert_eq!(out["secrets"], 2);

    // Auth.js's `decode` and its session endpoint read Hallpass's session.
    assert_eq!(out["decoded"]["name"], "Grace Hopper");
    assert_eq!(out["decoded"]["sub"], "local-7");
    assert_eq!(out["session"]["status"], 200);
    assert_eq!(out["session"]["body"]["user"]["name"], "Grace Hopper");
    // Both encrypt with the same (first) secret of the same list: one kid.
    let authjs_new = out["newSecretToken"].as_str().unwrap();
    assert_eq!(header(&session), header(authjs_new));
    let kid: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header(&session)).unwrap())
        .map(|h: Value| h["kid"].clone())
        .unwrap();
    assert!(kid.as_str().is_some_and(|k| k.len() == 86), "{kid}");

    // Auth.js keeps Hallpass's CSRF cookie (the hash over both secrets verifies) and its token.
    let set: Vec<&str> = out["csrf"]["set"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        !set.iter().any(|c| c.starts_with("authjs.csrf-token=")),
        "Auth.js replaced Hallpass's CSRF cookie: {set:?}"
    );
    let token = csrf.split('|').next().unwrap();
    assert_eq!(out["csrf"]["body"]["csrfToken"], token);

    // Hallpass keeps the CSRF cookie Auth.js made.
    let authjs_csrf = out["csrfCookie"].as_str().unwrap();
    let res = get(
        &app,
        "/api/auth/csrf",
        &format!("authjs.csrf-token={authjs_csrf}"),
    )
    .await;
    assert_eq!(set_cookie(&res, "authjs.csrf-token"), None);

    // Hallpass reads Auth.js's sessions, the one made with the older secret found by its kid.
    for (token, name) in [
        (authjs_new, "New Key"),
        (out["oldSecretToken"].as_str().unwrap(), "Old Key"),
    ] {
        let res = get(&app, "/api/auth/session", &format!("{NAME}={token}")).await;
        assert_eq!(res.json::<Value>().await.unwrap()["user"]["name"], name);
    }
}
