#![no_main]
//! userpool's JSON API (`POST /`): the first byte picks the operation and whether the request
//! looks SigV4-signed, the rest is the body. See `hallpass_fuzz` for the properties asserted.

use axum::body::Body;
use http::Request;

const OPERATIONS: &[&str] = &[
    "InitiateAuth",
    "RespondToAuthChallenge",
    "GetTokensFromRefreshToken",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "SetUserMFAPreference",
    "SetUserPoolMfaConfig",
    "GetUserPoolMfaConfig",
    "SignUp",
    "ConfirmSignUp",
    "ResendConfirmationCode",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "GetUser",
    "ChangePassword",
    "UpdateUserAttributes",
    "DeleteUser",
    "GlobalSignOut",
    "RevokeToken",
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
    "AdminCreateUser",
    "AdminGetUser",
    "AdminDeleteUser",
    "AdminSetUserPassword",
    "AdminUpdateUserAttributes",
    "AdminConfirmSignUp",
    "AdminUserGlobalSignOut",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminAddUserToGroup",
    "AdminRemoveUserFromGroup",
    "AdminListGroupsForUser",
    "CreateGroup",
    "ListGroups",
    "ListUsersInGroup",
    "ListUsers",
    "DescribeUserPool",
    "CreateUserPool",
    "DeleteUserPool",
    "CreateUserPoolClient",
    "DeleteUserPoolClient",
    "DescribeUserPoolClient",
    "ListUserPoolClients",
    "UpdateUserPoolClient",
    "NoSuchOperation",
];

const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00";

libfuzzer_sys::fuzz_target!(init: hallpass_fuzz::init(), |data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let operation = OPERATIONS[usize::from(selector & 0x7f) % OPERATIONS.len()];
    if operation == "CreateUserPool" {
        // Not fuzzed: a new pool generates an RSA key, about 15 s of CPU under the sanitizer, so
        // every such input would be a timeout. Its request is covered by the SDK suite
        // (crates/userpool/tests/it/api_pools_runtime.rs) instead.
        return;
    }
    let mut request = Request::post("/")
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        );
    if selector & 0x80 != 0 {
        request = request.header("authorization", SIGNED);
    }
    let request = request.body(Body::from(body.to_vec())).expect("a request");
    let answer = hallpass_fuzz::send(request);
    hallpass_fuzz::assert_api_envelope(&answer);
});
