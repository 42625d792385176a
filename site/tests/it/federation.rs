//! A federated sign-in through the embedded pool's hosted UI ends in a Hallpass session on the
//! site: the pool's "Continue with Corp" button, a real OpenID provider's login and consent
//! pages (panva's `oidc-provider`, run by node from `crates/userpool/tests/oidc`), back through
//! the pool to the site. The pool's ID token for that sign-in carries `identities`.
//!
//! Needs `node` and `npm` with registry access: in CI (`CI` set) their absence fails the test;
//! elsewhere it prints `NOT RUN: node` and passes.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use url::Url;

use crate::support::{form, get, spawn_site, submit};

const UPSTREAM_CLIENT: &str = "site-test-pool-client";
const UPSTREAM_SECRET: &str = "site-test-upstream-secret-0123456789";

/// The provider, stopped when dropped.
struct Upstream(Child, String);

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn not_run(why: &str) -> Option<Upstream> {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so the federated site test must run against oidc-provider: {why}");
    }
    println!("NOT RUN: node (oidc-provider): {why}");
    None
}

fn install() -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/userpool/tests/oidc");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("site-oidc-upstream");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for file in ["package.json", "package-lock.json", "upstream.mjs"] {
        std::fs::copy(src.join(file), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    if !dir.join("node_modules/oidc-provider/package.json").exists() {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("npm: {e}"))?;
        if !out.status.success() {
            return Err(format!("npm ci: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    Ok(dir)
}

fn start_upstream(redirect_uri: &str) -> Option<Upstream> {
    let dir = match install() {
        Ok(d) => d,
        Err(why) => return not_run(&why),
    };
    let config = json!({"clients": [{"client_id": UPSTREAM_CLIENT,
        "client_secret": UPSTREAM_SECRET, "redirect_uris": [redirect_uri]}]});
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
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    // Keep reading: a closed pipe would kill node at its next write.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let issuer: Value = serde_json::from_str(&line).unwrap();
    Some(Upstream(
        child,
        issuer["issuer"].as_str().unwrap().to_string(),
    ))
}

/// `CreateIdentityProvider` on the embedded pool (a signed request; the pool checks that it is).
async fn create_provider(pool_url: &str, issuer: &str) {
    let body = json!({
        "UserPoolId": userpool::DEMO_POOL_ID,
        "ProviderName": "Corp",
        "ProviderType": "OIDC",
        "ProviderDetails": {"client_id": UPSTREAM_CLIENT, "client_secret": UPSTREAM_SECRET,
            "authorize_scopes": "openid email profile", "oidc_issuer": issuer},
        "AttributeMapping": {"email": "email", "email_verified": "email_verified", "name": "name"},
    });
    let r = reqwest::Client::new()
        .post(format!("{pool_url}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.CreateIdentityProvider",
        )
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host, Signature=00",
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

fn between(s: &str, start: &str, end: &str) -> String {
    let from = s.find(start).unwrap_or_else(|| panic!("{start} in {s}")) + start.len();
    s[from..from + s[from..].find(end).unwrap()].to_string()
}

fn unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
}

#[tokio::test]
async fn a_federated_sign_in_on_the_hosted_ui_ends_in_a_site_session() {
    let site = spawn_site().await;
    let pool_url = format!("http://localhost:{}", site.pool.local_addr().port());
    let Some(up) = start_upstream(&format!("{pool_url}/oauth2/idpresponse")) else {
        return;
    };
    create_provider(&pool_url, &up.1).await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();

    // The site's Sign In → the pool's sign-in page → its button for Corp.
    let (url, _, home) = get(&browser, &site.at("/")).await;
    let (login_url, status, login) =
        submit(&browser, &form(&home, &url, "/api/auth/signin/cognito")).await;
    assert_eq!((login_url.path(), status.as_u16()), ("/login", 200));
    let href = unescape(&between(&login, "id=\"idp-Corp\" href=\"", "\""));
    // The provider's login, then its consent, then back through the pool to the site.
    let (at, _, page) = get(&browser, login_url.join(&href).unwrap().as_str()).await;
    let mut page = (at, page);
    for step in ["login", "consent"] {
        let (at, html) = &page;
        assert_eq!(between(html, "name=\"prompt\" value=\"", "\""), step);
        let action = at.join(&between(html, "action=\"", "\"")).unwrap();
        let mut fields = vec![("prompt", step)];
        if step == "login" {
            fields.extend([("login", "carol"), ("password", "any")]);
        }
        let r = browser.post(action).form(&fields).send().await.unwrap();
        page = (r.url().clone(), r.text().await.unwrap());
    }
    let (landed, protected) = page;
    assert_eq!(
        landed.as_str(),
        site.at("/protected"),
        "signed in on the site"
    );
    assert!(protected.contains("carol Upstream"), "{protected}");
    let session: Value = browser
        .get(site.at("/api/auth/session"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["email"], "carol@upstream.example");

    // The pool's ID token for this browser's sign-in (its hosted-UI session) names the provider.
    let no_follow = reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let callback = site.at("/api/auth/callback/cognito");
    let r = no_follow
        .get(format!("{pool_url}/oauth2/authorize"))
        .query(&[
            ("client_id", userpool::DEMO_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", callback.as_str()),
            ("scope", "openid email profile"),
        ])
        .send()
        .await
        .unwrap();
    let to = Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = to
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let basic = STANDARD.encode(format!(
        "{}:{}",
        userpool::DEMO_CLIENT_ID,
        userpool::DEMO_CLIENT_SECRET
    ));
    let tokens: Value = no_follow
        .post(format!("{pool_url}/oauth2/token"))
        .header("authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", callback.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let payload = tokens["id_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["cognito:username"], "Corp_carol");
    assert_eq!(claims["identities"][0]["providerName"], "Corp");
    assert_eq!(claims["identities"][0]["userId"], "carol");
}
