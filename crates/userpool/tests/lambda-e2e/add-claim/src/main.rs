//! Adds `e2e_claim` to the ID and access tokens and overrides the ID token's `name` (which the
//! example site shows after sign-in) (pre token generation, event version 2).

use std::collections::HashMap;

use aws_lambda_events::event::cognito::{
    ClaimsAndScopeOverrideDetailsV2, CognitoAccessTokenGenerationV2,
    CognitoEventUserPoolsPreTokenGenV2, CognitoIdTokenGenerationV2,
};
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn handler(
    event: LambdaEvent<CognitoEventUserPoolsPreTokenGenV2>,
) -> Result<CognitoEventUserPoolsPreTokenGenV2, Error> {
    let mut e = event.payload;
    let claims = HashMap::from([("e2e_claim".to_string(), "from-cargo-lambda".to_string())]);
    // The pool user's own `name` attribute must lose to this.
    let mut id_claims = claims.clone();
    id_claims.insert("name".to_string(), "Lambda E2E User".to_string());
    e.response.claims_and_scope_override_details = Some(ClaimsAndScopeOverrideDetailsV2 {
        id_token_generation: Some(CognitoIdTokenGenerationV2 {
            claims_to_add_or_override: id_claims,
            claims_to_suppress: vec![],
        }),
        access_token_generation: Some(CognitoAccessTokenGenerationV2 {
            claims_to_add_or_override: claims,
            claims_to_suppress: vec![],
            scopes_to_add: vec!["e2e/read".to_string()],
            scopes_to_suppress: vec![],
        }),
        group_override_details: Default::default(),
    });
    Ok(e)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
