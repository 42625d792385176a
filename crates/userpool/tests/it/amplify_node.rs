//! The real `aws-amplify@6.22.1` (installed with `npm ci` from `tests/amplify/package-lock.json`)
//! in Node, against a pool on 127.0.0.1: sign-up, confirmation with the code from the outbox,
//! `autoSignIn` with `USER_AUTH` (`ConfirmSignUp`'s session), SRP sign-in, TOTP set up and
//! preferred, a password change that keeps the session, sign-out, and a TOTP sign-in.
//!
//! Needs `node` and `npm` with registry access: in CI (`CI` set) their absence fails the test;
//! elsewhere it prints `NOT RUN: node` and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::api_auth::{spawn_api_pool, API_POOL, PUBLIC_APP};
use crate::sdk::signed;

const AMPLIFY_VERSION: &str = "6.22.1";
const EMAIL: &str = "amplify@example.com";
const FIRST_PASSWORD: &str = "Ampl1fy!first";
const NEW_PASSWORD: &str = "Ampl1fy!second";

/// Fails in CI, says so and passes elsewhere.
fn not_run(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so the Amplify JS test must run: {why}");
    }
    println!("NOT RUN: node (aws-amplify): {why}");
}

/// A directory with `aws-amplify` installed from the committed lockfile (again only when the
/// installed version is not the pinned one).
fn install() -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/amplify");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("amplify-js");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for file in ["package.json", "package-lock.json", "flows.mjs"] {
        std::fs::copy(src.join(file), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    let installed = dir.join("node_modules/aws-amplify/package.json");
    let version = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .and_then(|p| p["version"].as_str().map(String::from));
    if version.as_deref() != Some(AMPLIFY_VERSION) {
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

/// Runs `flows.mjs` with `input`; the steps it recorded, or why Node could not run.
fn run_flows(dir: &Path, input: &Value) -> Result<Value, String> {
    let out = Command::new("node")
        .arg("flows.mjs")
        .arg(input.to_string())
        .current_dir(dir)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Node ran: from here on, a missing or broken result is the test's failure, not "not run".
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("AMPLIFY_RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "flows.mjs gave no result ({}): {stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
    Ok(serde_json::from_str(line).expect("flows.mjs prints JSON"))
}

/// A step's value; panics with the step's error when it failed.
fn value<'a>(result: &'a Value, name: &str) -> &'a Value {
    let step = &result["steps"][name];
    assert_eq!(step["ok"], true, "step {name}: {step}; all: {result:#}");
    &step["value"]
}

#[tokio::test]
async fn amplify_js_v6_signs_up_in_and_out_with_totp_and_a_password_change() {
    let dir = match install() {
        Ok(dir) => dir,
        Err(why) => return not_run(&why),
    };
    let t = spawn_api_pool().await;
    let input = json!({
        "endpoint": format!("http://127.0.0.1:{}", t.running.local_addr().port()),
        "userPoolId": API_POOL,
        "clientId": PUBLIC_APP,
        "email": EMAIL,
        "password": FIRST_PASSWORD,
        "newPassword": NEW_PASSWORD,
    });
    // Node calls the pool, which runs on this test's runtime: wait for it off that thread.
    let ran = tokio::task::spawn_blocking(move || run_flows(&dir, &input));
    let result = match ran.await.expect("the Node run ends") {
        Ok(result) => result,
        Err(why) => return not_run(&why),
    };
    // Node has no `window`: Amplify's default storage would be its in-memory one too.
    assert_eq!(result["window"], "undefined");
    let admin = signed(&t);
    let user = admin
        .admin_get_user()
        .user_pool_id(API_POOL)
        .username(EMAIL)
        .send()
        .await
        .unwrap();
    let sub = user.username().to_string();

    // Sign-up, confirmed with the code the outbox holds, then signed in by `autoSignIn`.
    let signed_up = value(&result, "signUp");
    assert_eq!(signed_up["isSignUpComplete"], false);
    assert_eq!(signed_up["nextStep"]["signUpStep"], "CONFIRM_SIGN_UP");
    assert_eq!(signed_up["userId"], sub.as_str());
    let confirmed = value(&result, "confirmSignUp");
    let sent = t
        .pool()
        .outbox_messages()
        .into_iter()
        .find(|m| m.to == EMAIL && m.kind == userpool::MessageKind::Confirm)
        .unwrap();
    assert_eq!(confirmed["code"], sent.code_or_password.as_str());
    assert_eq!(confirmed["nextStep"]["signUpStep"], "COMPLETE_AUTO_SIGN_IN");
    let auto = value(&result, "autoSignIn");
    assert_eq!(auto["isSignedIn"], true, "{auto}");
    assert_eq!(auto["nextStep"]["signInStep"], "DONE");
    let after = value(&result, "afterAutoSignIn");
    assert_eq!(after["user"]["userId"], sub.as_str());
    assert_eq!(after["user"]["signInDetails"]["authFlowType"], "USER_AUTH");
    for kind in ["accessToken", "idToken", "refreshToken"] {
        assert!(
            after["stored"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == kind),
            "{kind} kept in the script's storage: {after}"
        );
    }

    // SRP sign-in (Amplify's default flow).
    value(&result, "signOut");
    assert_eq!(value(&result, "srpSignIn")["isSignedIn"], true);
    let srp = value(&result, "afterSrpSignIn");
    assert_eq!(srp["user"]["userId"], sub.as_str());
    assert_eq!(srp["signInDetails"]["authFlowType"], "USER_SRP_AUTH");

    // TOTP set up, verified and preferred: Amplify reads it back, and so does the pool.
    let setup = value(&result, "setUpTOTP");
    assert!(setup["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    value(&result, "verifyTOTPSetup");
    value(&result, "updateMFAPreference");
    let mfa = value(&result, "fetchMFAPreference");
    assert_eq!(mfa["preferred"], "TOTP", "{mfa}");
    assert_eq!(mfa["enabled"], json!(["TOTP"]));
    let user = admin
        .admin_get_user()
        .user_pool_id(API_POOL)
        .username(EMAIL)
        .send()
        .await
        .unwrap();
    assert_eq!(user.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    assert_eq!(user.user_mfa_setting_list(), ["SOFTWARE_TOKEN_MFA"]);

    // The password change keeps the session: the same tokens, a refresh, the user.
    let before = value(&result, "sessionBeforePasswordChange");
    assert!(before["accessToken"].is_string() && before["idToken"] == true);
    value(&result, "updatePassword");
    let kept = value(&result, "sessionAfterPasswordChange");
    assert_eq!(kept["accessToken"], before["accessToken"]);
    assert_eq!(kept["sub"], sub.as_str());
    assert_eq!(
        value(&result, "userAfterPasswordChange")["userId"],
        sub.as_str()
    );
    let refreshed = value(&result, "refreshAfterPasswordChange");
    assert!(refreshed["accessToken"].is_string());
    assert_ne!(
        refreshed["accessToken"], before["accessToken"],
        "a new token"
    );
    assert_eq!(refreshed["sub"], sub.as_str());
    // The new password is the user's now (and the old one is not).
    let sdk = crate::sdk::unsigned(&t);
    let old = crate::api_auth::password_auth(&sdk, PUBLIC_APP, EMAIL, FIRST_PASSWORD).await;
    assert_eq!(
        crate::sdk::exception(&old.unwrap_err()),
        "NotAuthorizedException"
    );

    // Signed out: no user, no tokens kept.
    let out = value(&result, "finalSignOut");
    assert_eq!(out["signedOut"], true, "{out}");
    assert_eq!(out["error"], "UserUnAuthenticatedException");
    assert_eq!(out["stored"], json!([]), "{out}");

    // The new password's sign-in asks for the TOTP code, as preferred.
    let totp = value(&result, "signInWithTotp");
    assert_eq!(
        totp["nextStep"]["signInStep"],
        "CONFIRM_SIGN_IN_WITH_TOTP_CODE"
    );
    assert_eq!(value(&result, "confirmSignInWithTotp")["isSignedIn"], true);
    assert_eq!(value(&result, "afterTotpSignIn")["userId"], sub.as_str());
    value(&result, "lastSignOut");
}
