//! Operations that mean nothing on one machine (replicas in other regions, point-in-time
//! recovery, provisioned limits, client-metadata-document policies, machine tokens of the
//! Essentials-less tiers): the pool is looked up as Cognito does, then the answer is the
//! error Cognito gives an account without the feature, the first of those the model
//! declares for the operation. Listings answer an empty list.

use serde_json::{json, Value};

use super::model::declares;
use super::shapes::pool_config;
use super::{ApiError, Call, Exception};

/// The errors tried, in order, for "not on this account".
const NOT_AVAILABLE: &[Exception] = &[
    Exception::FeatureUnavailableInTierException,
    Exception::OperationNotEnabledException,
    Exception::ForbiddenException,
    Exception::ResourceNotFoundException,
];

/// The operations answered here; listings answer their empty list.
pub(crate) const OPERATIONS: &[(&str, Option<&str>)] = &[
    ("CancelPointInTimeRecovery", None),
    ("CreateUserPoolReplica", None),
    ("DeleteUserPoolReplica", None),
    ("DescribePointInTimeRecovery", None),
    ("InitiatePointInTimeRecovery", None),
    ("ListPointInTimeRecoveries", None),
    ("StartPointInTimeRecovery", None),
    ("UpdateUserPoolReplica", None),
    ("ListUserPoolReplicas", Some("UserPoolReplicas")),
    ("GetProvisionedLimit", None),
    ("UpdateProvisionedLimit", None),
    ("GetClientToken", None),
    ("GetDerivedToken", None),
    ("CreateCIMDPolicy", None),
    ("DeleteCIMDPolicy", None),
    ("DescribeCIMDPolicy", None),
    ("UpdateCIMDPolicy", None),
    ("ListCIMDPolicies", Some("CIMDPolicies")),
    ("ListClientMetadataURLs", None),
    // The SAML signing certificate: SAML identity providers are not offered.
    ("GetSigningCertificate", None),
    ("UpdateClientMetadataURLState", None),
];

pub(crate) fn is_unavailable(operation: &str) -> bool {
    OPERATIONS.iter().any(|(op, _)| *op == operation)
}

pub(crate) async fn not_available(call: &Call, req: Value) -> Result<Value, ApiError> {
    if let Some(id) = req.get("UserPoolId").and_then(Value::as_str) {
        pool_config(&call.pool, id)?;
    }
    let op = call.operation.as_str();
    if let Some((_, Some(list))) = OPERATIONS.iter().find(|(o, _)| *o == op) {
        return Ok(json!({ *list: [] }));
    }
    let kind = NOT_AVAILABLE
        .iter()
        .copied()
        .find(|e| declares(op, e.name()))
        .unwrap_or(Exception::InvalidParameterException);
    Err(ApiError::new(
        kind,
        format!("{op} is not available on a local user pool."),
    ))
}
