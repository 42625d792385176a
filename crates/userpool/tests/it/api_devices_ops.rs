//! The device operations through the AWS SDK (issue 31): `GetDevice`, `ListDevices` and its
//! pages, `UpdateDeviceStatus`, `ForgetDevice` and their `Admin*` twins; another user's device
//! key refused; bad input answered with Cognito's errors; `UpdateUserPool`'s
//! `DeviceConfiguration`.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{
    ChallengeNameType, DeviceConfigurationType, DeviceRememberedStatusType,
    DeviceSecretVerifierConfigType,
};

use crate::api_devices::{
    attribute, confirm, device_pool, device_verifier, password_tokens, Device, OTHER, USER,
};
use crate::sdk::{exception, signed, unsigned};
use crate::*;

#[tokio::test]
async fn device_operations_by_token_and_as_administrator() {
    let t = spawn_pool().await;
    let (pool_id, client_id) = device_pool(&t, false, true).await;
    let sdk = unsigned(&t);
    let admin = signed(&t);
    let mut devices = vec![];
    for name in ["phone", "tablet", "laptop"] {
        let tokens = password_tokens(&sdk, &client_id, USER).await;
        let (device, necessary) = confirm(&sdk, &tokens, name).await;
        assert!(necessary, "remembered only when the user says so");
        devices.push(device);
        t.pool().advance_clock(Duration::from_secs(1));
    }
    let access = password_tokens(&sdk, &client_id, USER).await;
    let access = access.access_token().unwrap();

    let got = sdk
        .get_device()
        .access_token(access)
        .device_key(&devices[0].key)
        .send()
        .await
        .unwrap();
    let d = got.device().unwrap();
    assert_eq!(attribute(d, "device_name"), Some("phone"));
    assert_eq!(attribute(d, "device_status"), Some("valid"));
    assert_eq!(
        attribute(d, "dev:device_remembered_status"),
        Some("not_remembered")
    );
    assert!(d.device_create_date().is_some() && d.device_last_modified_date().is_some());
    assert!(d.device_last_authenticated_date().is_some());

    sdk.update_device_status()
        .access_token(access)
        .device_key(&devices[0].key)
        .device_remembered_status(DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .unwrap();
    let got = admin
        .admin_get_device()
        .user_pool_id(&pool_id)
        .username(USER)
        .device_key(&devices[0].key)
        .send()
        .await
        .unwrap();
    let d = got.device().unwrap();
    assert_eq!(
        attribute(d, "dev:device_remembered_status"),
        Some("remembered")
    );

    // Pages of two, oldest first; unconfirmed devices (the last sign-in's) are not listed.
    let page = sdk
        .list_devices()
        .access_token(access)
        .limit(2)
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = page
        .devices()
        .iter()
        .filter_map(|d| d.device_key())
        .collect();
    assert_eq!(keys, [devices[0].key.as_str(), devices[1].key.as_str()]);
    let next = sdk
        .list_devices()
        .access_token(access)
        .limit(2)
        .pagination_token(page.pagination_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(next.devices().len(), 1);
    assert_eq!(
        next.devices()[0].device_key(),
        Some(devices[2].key.as_str())
    );
    assert!(next.pagination_token().is_none());
    let all = admin
        .admin_list_devices()
        .user_pool_id(&pool_id)
        .username(USER)
        .send()
        .await
        .unwrap();
    assert_eq!(all.devices().len(), 3);

    admin
        .admin_update_device_status()
        .user_pool_id(&pool_id)
        .username(USER)
        .device_key(&devices[1].key)
        .device_remembered_status(DeviceRememberedStatusType::Remembered)
        .send()
        .await
        .unwrap();
    admin
        .admin_forget_device()
        .user_pool_id(&pool_id)
        .username(USER)
        .device_key(&devices[1].key)
        .send()
        .await
        .unwrap();
    let gone = admin
        .admin_get_device()
        .user_pool_id(&pool_id)
        .username(USER)
        .device_key(&devices[1].key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&gone), "ResourceNotFoundException");

    // Another user's device key is no device of theirs, by token or as administrator.
    let other = password_tokens(&sdk, &client_id, OTHER).await;
    let other_access = other.access_token().unwrap();
    let err = sdk
        .get_device()
        .access_token(other_access)
        .device_key(&devices[0].key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let err = sdk
        .forget_device()
        .access_token(other_access)
        .device_key(&devices[0].key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let err = admin
        .admin_get_device()
        .user_pool_id(&pool_id)
        .username(OTHER)
        .device_key(&devices[0].key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    // Nor can another user confirm a device handed out to this one.
    let mine = password_tokens(&sdk, &client_id, USER).await;
    let key = mine.new_device_metadata().unwrap().device_key().unwrap();
    let stolen = Device {
        key: key.to_string(),
        group: "-x".into(),
        password: "p".into(),
    };
    let err = sdk
        .confirm_device()
        .access_token(other_access)
        .device_key(key)
        .device_secret_verifier_config(device_verifier(&stolen))
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");

    // The user's deletion takes the devices with it.
    admin
        .admin_delete_user()
        .user_pool_id(&pool_id)
        .username(USER)
        .send()
        .await
        .unwrap();
    let err = sdk
        .get_device()
        .access_token(access)
        .device_key(&devices[0].key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        exception(&err),
        "NotAuthorizedException",
        "the user is gone"
    );
}

#[tokio::test]
async fn bad_device_input_gets_cognitos_errors() {
    let t = spawn_pool().await;
    let (pool_id, client_id) = device_pool(&t, false, false).await;
    let sdk = unsigned(&t);
    let tokens = password_tokens(&sdk, &client_id, USER).await;
    let access = tokens.access_token().unwrap();
    let key = tokens.new_device_metadata().unwrap().device_key().unwrap();

    // A device key not of Cognito's form, or of no device.
    for (bad, expected) in [
        ("not a key", "InvalidParameterException"),
        ("", "InvalidParameterException"),
        (
            "us-east-1_00000000-0000-4000-8000-000000000000",
            "ResourceNotFoundException",
        ),
    ] {
        let err = sdk
            .get_device()
            .access_token(access)
            .device_key(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(exception(&err), expected, "{bad:?}");
    }
    // A verifier that is not base64, or not a number below N; none at all.
    for (salt, verifier) in [("!!", "AQ=="), ("AQ==", "@@"), ("AQ==", ""), ("", "AQ==")] {
        let err = sdk
            .confirm_device()
            .access_token(access)
            .device_key(key)
            .device_secret_verifier_config(
                DeviceSecretVerifierConfigType::builder()
                    .salt(salt)
                    .password_verifier(verifier)
                    .build(),
            )
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            exception(&err),
            "InvalidParameterException",
            "{salt} {verifier}"
        );
    }
    let err = sdk
        .confirm_device()
        .access_token(access)
        .device_key(key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
    // Confirmed once, not twice.
    confirm(&sdk, &tokens, "one").await;
    let again = Device {
        key: key.to_string(),
        group: "-x".into(),
        password: "p".into(),
    };
    let err = sdk
        .confirm_device()
        .access_token(access)
        .device_key(key)
        .device_secret_verifier_config(device_verifier(&again))
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "DeviceKeyExistsException");
    // A page size over 60, a token of no page, a bad access token, an unknown user.
    let err = sdk
        .list_devices()
        .access_token(access)
        .limit(61)
        .send()
        .await;
    assert_eq!(exception(&err.unwrap_err()), "InvalidParameterException");
    let err = sdk
        .list_devices()
        .access_token(access)
        .pagination_token("nope")
        .send()
        .await;
    assert_eq!(exception(&err.unwrap_err()), "InvalidParameterException");
    let err = sdk.list_devices().access_token("x").send().await;
    assert_eq!(exception(&err.unwrap_err()), "NotAuthorizedException");
    let err = signed(&t)
        .admin_list_devices()
        .user_pool_id(&pool_id)
        .username("nobody@example.com")
        .send()
        .await;
    assert_eq!(exception(&err.unwrap_err()), "UserNotFoundException");
    // DEVICE_SRP_AUTH without a started sign-in finds nothing.
    let err = sdk
        .respond_to_auth_challenge()
        .client_id(&client_id)
        .challenge_name(ChallengeNameType::DeviceSrpAuth)
        .challenge_responses("USERNAME", USER)
        .challenge_responses("DEVICE_KEY", key)
        .challenge_responses("SRP_A", "abc")
        .send()
        .await;
    assert_eq!(exception(&err.unwrap_err()), "NotAuthorizedException");
}

#[tokio::test]
async fn update_user_pool_turns_device_tracking_on_and_off() {
    let t = spawn_pool().await;
    let (pool_id, client_id) = device_pool(&t, false, false).await;
    let admin = signed(&t);
    let sdk = unsigned(&t);
    admin
        .update_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let described = admin
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    assert!(described
        .user_pool()
        .unwrap()
        .device_configuration()
        .is_none());
    let tokens = password_tokens(&sdk, &client_id, USER).await;
    assert!(tokens.new_device_metadata().is_none(), "not tracked");

    admin
        .update_user_pool()
        .user_pool_id(&pool_id)
        .device_configuration(
            DeviceConfigurationType::builder()
                .challenge_required_on_new_device(true)
                .device_only_remembered_on_user_prompt(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let described = admin
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let config = described
        .user_pool()
        .unwrap()
        .device_configuration()
        .unwrap();
    assert!(config.challenge_required_on_new_device());
    assert!(config.device_only_remembered_on_user_prompt());
    let tokens = password_tokens(&sdk, &client_id, USER).await;
    assert!(tokens.new_device_metadata().is_some(), "tracked");
}
