//! `SetUserMFAPreference` then `GetUser` / `AdminGetUser`: TOTP shows in
//! `UserMFASettingList` once enabled and as `PreferredMfaSetting` once preferred, as Amplify's
//! `updateMFAPreference({ totp: 'PREFERRED' })` then `fetchMFAPreference` expect (issue 31).

use aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaSettingsType;
use aws_sdk_cognitoidentityprovider::Client;

use crate::api_auth::{password_auth, spawn_api_pool, API_POOL, CAROL, PUBLIC_APP};
use crate::api_mfa::code;
use crate::sdk::{signed, unsigned};
use crate::*;

async fn prefer(sdk: &Client, access: &str, enabled: bool, preferred: bool) {
    sdk.set_user_mfa_preference()
        .access_token(access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(enabled)
                .preferred_mfa(preferred)
                .build(),
        )
        .send()
        .await
        .expect("preference set");
}

/// (`PreferredMfaSetting`, `UserMFASettingList`) by `GetUser` and by `AdminGetUser`, which
/// must agree.
async fn mfa_of(t: &TestPool, sdk: &Client, access: &str) -> (Option<String>, Vec<String>) {
    let me = sdk.get_user().access_token(access).send().await.unwrap();
    let admin = signed(t)
        .admin_get_user()
        .user_pool_id(API_POOL)
        .username(CAROL)
        .send()
        .await
        .unwrap();
    let mine = (
        me.preferred_mfa_setting().map(str::to_string),
        me.user_mfa_setting_list().to_vec(),
    );
    let admins = (
        admin.preferred_mfa_setting().map(str::to_string),
        admin.user_mfa_setting_list().to_vec(),
    );
    assert_eq!(mine, admins, "GetUser and AdminGetUser agree");
    mine
}

#[tokio::test]
async fn a_preferred_totp_shows_in_get_user_and_admin_get_user() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let signed_in = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let access = signed_in
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_string();
    assert_eq!(mfa_of(&t, &sdk, &access).await, (None, vec![]));

    let secret = sdk
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap()
        .secret_code()
        .unwrap()
        .to_string();
    sdk.verify_software_token()
        .access_token(&access)
        .user_code(code(&secret, 0))
        .send()
        .await
        .unwrap();

    let totp = "SOFTWARE_TOKEN_MFA".to_string();
    prefer(&sdk, &access, true, true).await;
    assert_eq!(
        mfa_of(&t, &sdk, &access).await,
        (Some(totp.clone()), vec![totp.clone()])
    );
    // Enabled, not preferred: listed, no preference.
    prefer(&sdk, &access, true, false).await;
    assert_eq!(mfa_of(&t, &sdk, &access).await, (None, vec![totp.clone()]));
    // Off: neither.
    prefer(&sdk, &access, true, true).await;
    prefer(&sdk, &access, false, false).await;
    assert_eq!(mfa_of(&t, &sdk, &access).await, (None, vec![]));
}
