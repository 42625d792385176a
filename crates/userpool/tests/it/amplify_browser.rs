//! The real `aws-amplify@6.22.1` in headless Chromium, with a WebDriver virtual authenticator
//! (chromedriver's WebAuthn extension) as the user's device, against a pool on 127.0.0.1:
//! `associateWebAuthnCredential` registers a passkey, then `signIn` with `USER_AUTH` and
//! `WEB_AUTHN` signs in with it. Amplify is installed from `tests/amplify-browser`'s lockfile
//! and bundled with esbuild (from npm, no CDN) into a page served on `http://localhost`. The
//! same browser then signs in on the hosted UI's page with that passkey (its `/passkey.js`).
//!
//! Needs node, npm (registry access), Chromium and chromedriver: with `HALLPASS_E2E=1` (as CI
//! sets it) their absence fails the test; without it the test says it did not run and passes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::UserVerificationType;
use fantoccini::wd::{TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

use crate::api_auth::{api_seed, API_POOL, CAROL, CAROL_SUB, PUBLIC_APP};
use crate::api_webauthn::{access_token, configure};
use crate::sdk::unsigned;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The API pool's client for the hosted UI.
const HOSTED_APP: &str = "api0hosted0client00000001";

/// Fails when the browser tests are required, says so and passes otherwise.
fn not_run(why: &str) {
    if std::env::var("HALLPASS_E2E").is_ok_and(|v| v == "1") {
        panic!("HALLPASS_E2E=1, so the Amplify passkey browser test must run: {why}");
    }
    println!("NOT RUN: Amplify passkeys in Chromium: {why}");
}

/// `aws-amplify` and esbuild installed from the committed lockfile, and the page's bundle.
fn bundle() -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/amplify-browser");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("amplify-browser");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for file in ["package.json", "package-lock.json", "passkeys.mjs"] {
        std::fs::copy(src.join(file), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    let run = |program: &str, args: &[&str]| -> Result<(), String> {
        let out = Command::new(program)
            .args(args)
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    if !dir.join("node_modules/.bin/esbuild").exists() {
        run(
            "npm",
            &["ci", "--no-audit", "--no-fund", "--loglevel=error"],
        )?;
    }
    run(
        "node_modules/.bin/esbuild",
        &[
            "passkeys.mjs",
            "--bundle",
            "--format=iife",
            "--platform=browser",
            "--outfile=bundle.js",
            "--log-level=warning",
        ],
    )?;
    Ok(dir.join("bundle.js"))
}

/// Serves the page and its bundle on 127.0.0.1 (a page of `http://localhost:{port}`).
async fn serve_page(bundle: Vec<u8>) -> u16 {
    use axum::http::header;
    let page = "<!doctype html><meta charset=utf-8><title>passkeys</title>\
                <script src=\"/bundle.js\"></script>";
    let app = axum::Router::new()
        .route(
            "/",
            axum::routing::get(move || async move { axum::response::Html(page) }),
        )
        .route(
            "/cb",
            axum::routing::get(|| async { axum::response::Html("<p id=cb>back at the app</p>") }),
        )
        .route(
            "/bundle.js",
            axum::routing::get(move || async move {
                ([(header::CONTENT_TYPE, "text/javascript")], bundle)
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// chromedriver on a free loopback port, killed on drop.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

async fn start_driver() -> Result<Driver, String> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        return Err(format!("{CHROMIUM} or {CHROMEDRIVER} is missing"));
    }
    // A free port is free only until chromedriver binds it, and under load it can take long to
    // start: a driver that exits is started again on another port, and one that stays silent is
    // given 30 s; what it said is in the error when all three tries fail.
    let mut said = String::new();
    for _ in 0..3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let log =
            std::env::temp_dir().join(format!("chromedriver-{}-{port}.log", std::process::id()));
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver: {e}"))?;
        let profile = std::env::temp_dir().join(format!("userpool-passkeys-{port}"));
        let mut driver = Driver {
            child,
            port,
            profile,
        };
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                let _ = std::fs::remove_file(&log);
                return Ok(driver);
            }
            if driver.child.try_wait().ok().flatten().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        said = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        drop(driver);
    }
    Err(format!(
        "chromedriver did not start in three tries; its log:\n{said}"
    ))
}

async fn browser(driver: &Driver) -> Client {
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", format!("--user-data-dir={}", driver.profile.display()),
            ]
        }
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session in headless Chromium")
}

/// WebAuthn's WebDriver extension: a virtual platform authenticator that holds discoverable
/// credentials and verifies its user.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/webauthn/authenticator"))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true,
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Runs `window.passkeyFlow` in the page; its steps, or the error it threw.
async fn run_flow(c: &Client, input: Value) -> Value {
    let script = "const done = arguments[arguments.length - 1];\
                  window.passkeyFlow(arguments[0]).then(\
                    (steps) => done({ ok: true, steps }),\
                    (e) => done({ ok: false, error: String(e && (e.name + ': ' + e.message)) }));";
    c.execute_async(script, vec![input])
        .await
        .expect("the script runs")
}

/// On the hosted UI's sign-in page: the e-mail typed, "Sign in with a passkey" clicked (the
/// virtual authenticator answers); the callback URL the browser arrives at, or what it shows.
async fn hosted_ui_sign_in(
    c: &Client,
    t: &crate::TestPool,
    callback: &str,
) -> Result<url::Url, String> {
    let mut authorize = url::Url::parse(&t.url("/oauth2/authorize")).unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", HOSTED_APP)
        .append_pair("redirect_uri", callback)
        .append_pair("scope", "openid")
        .append_pair("state", "hosted");
    c.goto(authorize.as_str())
        .await
        .map_err(|e| e.to_string())?;
    let button = c
        .wait()
        .for_element(fantoccini::Locator::Id("passkey"))
        .await
        .map_err(|e| e.to_string())?;
    let email = c
        .find(fantoccini::Locator::Id("username"))
        .await
        .map_err(|e| e.to_string())?;
    email.send_keys(CAROL).await.map_err(|e| e.to_string())?;
    // The script un-hides the button once it has loaded.
    for _ in 0..50 {
        if button.is_displayed().await.unwrap_or(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    button.click().await.map_err(|e| e.to_string())?;
    for _ in 0..150 {
        let url = c.current_url().await.map_err(|e| e.to_string())?;
        if url.as_str().starts_with(callback) {
            return Ok(url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let body = c.source().await.unwrap_or_default();
    Err(format!(
        "still at {}: {body}",
        c.current_url().await.map_err(|e| e.to_string())?
    ))
}

#[tokio::test]
async fn amplify_js_registers_a_passkey_and_signs_in_with_it_in_chromium() {
    let bundle = match tokio::task::spawn_blocking(bundle).await.unwrap() {
        Ok(path) => std::fs::read(path).unwrap(),
        Err(why) => return not_run(&why),
    };
    let driver = match start_driver().await {
        Ok(d) => d,
        Err(why) => return not_run(&why),
    };
    let page = serve_page(bundle).await;
    // The hosted UI's client sends the browser back to the page's server.
    let callback = format!("http://localhost:{page}/cb");
    let mut seed = api_seed();
    for client in seed.pools.iter_mut().flat_map(|p| p.clients.iter_mut()) {
        if client.id == HOSTED_APP {
            client.callback_urls = vec![callback.clone()];
        }
    }
    let t = crate::spawn_with(seed, "sqlite::memory:").await;
    configure(&t, "localhost", UserVerificationType::Required).await;
    let c = browser(&driver).await;
    c.issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("a virtual authenticator");
    let timeouts = TimeoutConfiguration::new(Some(Duration::from_secs(60)), None, None);
    c.update_timeouts(timeouts).await.unwrap();
    c.goto(&format!("http://localhost:{page}/")).await.unwrap();
    let input = json!({
        "endpoint": format!("http://localhost:{}", t.running.local_addr().port()),
        "userPoolId": API_POOL,
        "clientId": PUBLIC_APP,
        "username": CAROL,
        "password": crate::PASSWORD,
    });
    let result = run_flow(&c, input).await;
    let hosted = hosted_ui_sign_in(&c, &t, &callback).await;
    c.close().await.ok();
    assert_eq!(result["ok"], true, "{result:#}");
    let steps = &result["steps"];
    assert_eq!(steps["password"]["isSignedIn"], true, "{steps:#}");
    assert_eq!(
        steps["listed"][0]["relyingPartyId"], "localhost",
        "{steps:#}"
    );
    assert_eq!(steps["passkey"]["isSignedIn"], true, "{steps:#}");
    assert_eq!(steps["passkey"]["step"], "DONE");
    assert_eq!(steps["user"], CAROL_SUB);

    // The pool holds the browser's passkey, and its counter or last use moved at the sign-in.
    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    let listed = unsigned(&t)
        .list_web_authn_credentials()
        .access_token(token)
        .send()
        .await
        .unwrap();
    // The hosted UI's script used the same passkey: back at the app with a code.
    let hosted = hosted.expect("the hosted UI signs in with the passkey");
    assert!(crate::param(&hosted, "code").is_some(), "{hosted}");
    assert_eq!(crate::param(&hosted, "state").as_deref(), Some("hosted"));
    let [credential] = listed.credentials() else {
        panic!("one passkey: {listed:?}")
    };
    assert_eq!(
        credential.credential_id(),
        steps["listed"][0]["credentialId"].as_str().unwrap()
    );
}
