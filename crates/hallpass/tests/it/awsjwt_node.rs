//! Parity with the real `aws-jwt-verify@5.2.1` (installed with `npm ci` from
//! `tests/awsjwt/package-lock.json`): the same tokens of a real local pool (userpool), and tokens
//! signed with that pool's own key, get the same accept / refuse answer from Hallpass's
//! `AccessTokenVerifier` (behind its guards) and from aws-jwt-verify, apart from the differences
//! listed in [`Expect::Differ`], each asserted as such.
//!
//! aws-jwt-verify runs as `tests/awsjwt/parity.mjs` says: its generic `JwtVerifier` with the
//! Cognito checks (`validateCognitoJwtFields`) and a plain-http JWKS fetcher, because its
//! `CognitoJwtVerifier` builds the `https://cognito-idp.…` issuer itself from the pool id.
//!
//! Needs `node` and `npm` with registry access: in CI (`CI` set) their absence fails the test;
//! elsewhere it prints `NOT RUN: node` and passes.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hallpass::{AccessTokenVerifier, Config, Hallpass, TokenUse};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};
use tower::ServiceExt as _;
use userpool::{RunningUserPool, DEMO_POOL_ID, DEMO_USER_EMAIL, DEMO_USER_PASSWORD};

use crate::api_tokens_bad::{access_key, good_claims, signed};
use crate::support::api::{
    machine_token, pool, user_tokens, BROWSER_APP, MACHINE, REPORTS, STRANGER,
};
use crate::support::app::SECRET;

const VERSION: &str = "5.2.1";
/// Hallpass's default clock skew, given to aws-jwt-verify as `graceSeconds`.
const SKEW: u64 = 5;

/// Fails in CI, says so and passes elsewhere.
fn not_run(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so the aws-jwt-verify parity test must run: {why}");
    }
    println!("NOT RUN: node (aws-jwt-verify parity): {why}");
}

/// A directory with `aws-jwt-verify` installed from the committed lockfile (once per target dir,
/// again when the version differs).
fn install() -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/awsjwt");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("awsjwt-parity");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for file in ["package.json", "package-lock.json", "parity.mjs"] {
        std::fs::copy(src.join(file), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    let installed = dir.join("node_modules/aws-jwt-verify/package.json");
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

/// `parity.mjs` on `input` (through stdin); its answers. Blocking: call it off the runtime that
/// serves the pool, whose JWKS it fetches.
fn run_node(dir: &Path, input: &Value) -> Result<Vec<Value>, String> {
    let mut child = Command::new("node")
        .arg("parity.mjs")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("node: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    stdin
        .write_all(input.to_string().as_bytes())
        .map_err(|e| format!("node's stdin: {e}"))?;
    drop(stdin);
    let out = child.wait_with_output().map_err(|e| format!("node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "parity.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("parity.mjs output: {e}"))
}

/// What both verifiers should answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Accept,
    Refuse,
    /// A known difference: Hallpass refuses what aws-jwt-verify accepts. Hallpass refuses a
    /// header with `jku`/`x5u` (or `jwk`/`x5c`) or a member twice, which aws-jwt-verify ignores
    /// (it takes the last duplicate); a token without `exp` or `sub`, or with `iat` in the
    /// future, which aws-jwt-verify does not check; and a token over 16 KB. (Hallpass takes
    /// RS256 and ES256 only, aws-jwt-verify also RS384/512, ES384/512 and EdDSA; against a
    /// Cognito JWKS, whose keys say `"alg": "RS256"`, both refuse any other algorithm.)
    Differ,
}

/// One token and the verifier settings it is judged with.
struct Case {
    what: &'static str,
    token: String,
    token_use: TokenUse,
    clients: Vec<&'static str>,
    /// aws-jwt-verify's `scope` (one of them); Hallpass's `require_any_scope`.
    scope: Option<Vec<&'static str>>,
    /// aws-jwt-verify's `groups`; Hallpass's `require_token_group`.
    group: Option<&'static str>,
    expect: Expect,
}

/// The API's clients, as `support::api::app` accepts them.
const API_CLIENTS: [&str; 3] = [BROWSER_APP, MACHINE, REPORTS];

fn case(what: &'static str, token: impl Into<String>, expect: Expect) -> Case {
    Case {
        what,
        token: token.into(),
        token_use: TokenUse::Access,
        clients: API_CLIENTS.to_vec(),
        scope: None,
        group: None,
        expect,
    }
}

impl Case {
    fn scope(mut self, scopes: &[&'static str]) -> Self {
        self.scope = Some(scopes.to_vec());
        self
    }

    fn group(mut self, group: &'static str) -> Self {
        self.group = Some(group);
        self
    }

    fn id_tokens(mut self, clients: &[&'static str]) -> Self {
        self.token_use = TokenUse::Id;
        self.clients = clients.to_vec();
        self
    }

    fn input(&self) -> Value {
        let token_use = match self.token_use {
            TokenUse::Id => "id",
            _ => "access",
        };
        json!({"token": self.token, "tokenUse": token_use, "clientId": self.clients,
               "scope": self.scope, "groups": self.group})
    }

    /// Hallpass's answer: the verifier behind the guard the case asks for, as an app mounts it
    /// (the verifier's own `verify` must agree for a plain token).
    async fn hallpass_accepts(&self, pool: &RunningUserPool) -> bool {
        let mut b = AccessTokenVerifier::builder(pool.issuer(DEMO_POOL_ID).as_str())
            .token_use(self.token_use)
            .clock_skew(std::time::Duration::from_secs(SKEW));
        for c in &self.clients {
            b = b.client_id(*c);
        }
        let verifier = b.build().unwrap();
        let config = Config::builder()
            .secret(SECRET)
            .url("http://127.0.0.1:1")
            .build()
            .unwrap();
        let hallpass = Hallpass::builder(config)
            .access_tokens(verifier.clone())
            .build()
            .unwrap();
        let guard = match (&self.scope, self.group) {
            (Some(s), _) => hallpass.require_any_scope(s.iter().copied()),
            (None, Some(g)) => hallpass.require_token_group(g),
            (None, None) => hallpass.require_token(),
        };
        let app = Router::new()
            .route("/api", get(|| async { "ok" }))
            .route_layer(guard)
            .layer(hallpass.layer());
        let req = http::Request::get("/api")
            .header("authorization", format!("Bearer {}", self.token))
            .body(Body::empty())
            .unwrap();
        let status = app.oneshot(req).await.unwrap().status().as_u16();
        assert!(matches!(status, 200 | 401 | 403), "{}: {status}", self.what);
        if self.scope.is_none() && self.group.is_none() {
            let verified = verifier.verify(&self.token).await;
            assert_eq!(
                verified.is_ok(),
                status == 200,
                "{}: {verified:?}",
                self.what
            );
        }
        status == 200
    }
}

/// Tokens the pool issued: a user's access and ID tokens, machines', another client's, and those
/// tampered with.
async fn issued(pool: &RunningUserPool) -> Vec<Case> {
    use Expect::{Accept, Refuse};
    let user = user_tokens(pool, BROWSER_APP, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    let access = user["AccessToken"].as_str().expect("signed in").to_string();
    let id = user["IdToken"].as_str().unwrap().to_string();
    let stranger = user_tokens(pool, STRANGER, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    let (_, machine) = machine_token(pool, MACHINE, None).await;
    let machine = machine["access_token"].as_str().unwrap().to_string();
    let (_, reports) = machine_token(pool, REPORTS, None).await;
    let reports = reports["access_token"].as_str().unwrap().to_string();
    let (message, signature) = access.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
    sig[10] ^= 1;
    let tampered_sig = format!("{message}.{}", URL_SAFE_NO_PAD.encode(&sig));
    let mut parts: Vec<&str> = machine.split('.').collect();
    let user_payload = access.split('.').nth(1).unwrap();
    parts[1] = user_payload;
    let swapped_payload = parts.join(".");
    vec![
        case("a user's access token", &access, Accept),
        case("a user's access token, group admin", &access, Accept).group("admin"),
        case("a user's access token, group ops", &access, Refuse).group("ops"),
        case("a user's access token, scope orders/read", &access, Refuse).scope(&["orders/read"]),
        case("an ID token, to an access verifier", &id, Refuse),
        case("an ID token, to an ID verifier", &id, Accept).id_tokens(&[BROWSER_APP]),
        case("an ID token, another client's ID verifier", &id, Refuse).id_tokens(&[MACHINE]),
        case("an access token, to an ID verifier", &access, Refuse).id_tokens(&[BROWSER_APP]),
        case("a machine token", &machine, Accept),
        case("a machine token, scope orders/read", &machine, Accept).scope(&["orders/read"]),
        case("a machine token, one of two scopes", &machine, Accept)
            .scope(&["orders/admin", "orders/write"]),
        case("a machine token, scope orders/admin", &machine, Refuse).scope(&["orders/admin"]),
        case("a machine token, group admin", &machine, Refuse).group("admin"),
        case("the reports machine, scope orders/read", &reports, Refuse).scope(&["orders/read"]),
        case(
            "another client's token",
            stranger["AccessToken"].as_str().unwrap(),
            Refuse,
        ),
        case("a tampered signature", tampered_sig, Refuse),
        case("another token's payload", swapped_payload, Refuse),
    ]
}

/// Tokens signed with the pool's own access key (or none), claims or header wrong.
fn crafted(pool: &RunningUserPool, kid: &str, key: &EncodingKey) -> Vec<Case> {
    use Expect::{Accept, Differ, Refuse};
    let claims = good_claims(pool);
    let header = format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#);
    let now = claims["iat"].as_i64().unwrap();
    let with = |name: &str, value: Value| {
        let mut c = claims.clone();
        c[name] = value;
        signed(&header, &c, key)
    };
    let without = |name: &str| {
        let mut c = claims.clone();
        c.as_object_mut().unwrap().remove(name);
        signed(&header, &c, key)
    };
    let hdr = |h: String| signed(&h, &claims, key);
    let body64 = URL_SAFE_NO_PAD.encode(claims.to_string());
    let none = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","kid":"{kid}"}}"#));
    let rs384 = {
        let input = format!(
            "{}.{body64}",
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"RS384","kid":"{kid}"}}"#))
        );
        let sig = jsonwebtoken::crypto::sign(input.as_bytes(), key, Algorithm::RS384).unwrap();
        format!("{input}.{sig}")
    };
    vec![
        case(
            "crafted, every claim right (the control)",
            signed(&header, &claims, key),
            Accept,
        ),
        case(
            "crafted, expired an hour ago",
            with("exp", json!(now - 3600)),
            Refuse,
        ),
        case(
            "crafted, not before in 10 minutes",
            with("nbf", json!(now + 600)),
            Refuse,
        ),
        case(
            "crafted, token_use id",
            with("token_use", json!("id")),
            Refuse,
        ),
        case(
            "crafted, token_use refresh",
            with("token_use", json!("refresh")),
            Refuse,
        ),
        case(
            "crafted, another issuer",
            with("iss", json!("http://127.0.0.1:1/us-east-1_Other")),
            Refuse,
        ),
        case(
            "crafted, another client",
            with("client_id", json!("someone-else")),
            Refuse,
        ),
        case("crafted, no client_id", without("client_id"), Refuse),
        case(
            "crafted, unknown kid",
            hdr(r#"{"alg":"RS256","kid":"no-such-key"}"#.into()),
            Refuse,
        ),
        case("crafted, no kid", hdr(r#"{"alg":"RS256"}"#.into()), Refuse),
        case("alg none", format!("{none}.{body64}."), Refuse),
        case("RS384 with the pool's RS256 key", rs384, Refuse),
        case(
            "ES256 header on the RSA key",
            hdr(format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#)),
            Refuse,
        ),
        // The known differences: Hallpass refuses, aws-jwt-verify accepts.
        case(
            "jku header",
            hdr(format!(
                r#"{{"alg":"RS256","kid":"{kid}","jku":"https://evil.example/jwks"}}"#
            )),
            Differ,
        ),
        case(
            "x5u header",
            hdr(format!(
                r#"{{"alg":"RS256","kid":"{kid}","x5u":"https://evil.example/cert"}}"#
            )),
            Differ,
        ),
        case(
            "kid twice in the header",
            hdr(format!(r#"{{"alg":"RS256","kid":"{kid}","kid":"{kid}"}}"#)),
            Differ,
        ),
        case(
            "typ twice in the header",
            hdr(format!(
                r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}","typ":"JWT"}}"#
            )),
            Differ,
        ),
        case("no exp", without("exp"), Differ),
        case("no sub", without("sub"), Differ),
        case(
            "issued in 10 minutes (iat)",
            with("iat", json!(now + 600)),
            Differ,
        ),
        case(
            "over 16 KB",
            with("pad", json!("x".repeat(17 * 1024))),
            Differ,
        ),
    ]
}

#[tokio::test]
async fn hallpass_and_aws_jwt_verify_accept_and_refuse_the_same_tokens() {
    let dir = match tokio::task::spawn_blocking(install).await.unwrap() {
        Ok(dir) => dir,
        Err(why) => return not_run(&why),
    };
    let tmp = std::env::temp_dir().join(format!("hallpass-awsjwt-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let db = format!("sqlite://{}?mode=rwc", tmp.join("pool.db").display());
    let pool = pool(Some(&db)).await;
    let mut cases = issued(&pool).await;
    // The access key exists once the pool signed with it (above); read while the pool is idle.
    let (kid, key) = access_key(&db).await;
    cases.extend(crafted(&pool, &kid, &key));

    let issuer = pool
        .issuer(DEMO_POOL_ID)
        .as_str()
        .trim_end_matches('/')
        .to_string();
    let input = json!({
        "issuer": issuer,
        "jwksUri": format!("{issuer}/.well-known/jwks.json"),
        "graceSeconds": SKEW,
        "cases": cases.iter().map(Case::input).collect::<Vec<_>>(),
    });
    // Node fetches the JWKS from the pool served by this runtime: block elsewhere.
    let answers = match tokio::task::spawn_blocking(move || run_node(&dir, &input))
        .await
        .unwrap()
    {
        Ok(a) => a,
        Err(why) => return not_run(&why),
    };
    assert_eq!(answers.len(), cases.len());
    let mut wrong = Vec::new();
    for (c, node) in cases.iter().zip(&answers) {
        let ours = c.hallpass_accepts(&pool).await;
        let theirs = node["accepted"].as_bool().unwrap();
        let expected = match c.expect {
            Expect::Accept => (true, true),
            Expect::Refuse => (false, false),
            Expect::Differ => (false, true),
        };
        println!(
            "{:<48} Hallpass {:<6} aws-jwt-verify {:<6} {}",
            c.what,
            if ours { "accept" } else { "refuse" },
            if theirs { "accept" } else { "refuse" },
            node["error"].as_str().unwrap_or_default()
        );
        if (ours, theirs) != expected {
            wrong.push(format!(
                "{}: Hallpass {ours}, aws-jwt-verify {theirs} ({}), expected {:?}",
                c.what, node["error"], c.expect
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let accepted = cases.iter().filter(|c| c.expect == Expect::Accept).count();
    println!(
        "aws-jwt-verify {VERSION} parity: {} tokens, {accepted} accepted by both, {} refused by both, {} known differences",
        cases.len(),
        cases.iter().filter(|c| c.expect == Expect::Refuse).count(),
        cases.iter().filter(|c| c.expect == Expect::Differ).count(),
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
