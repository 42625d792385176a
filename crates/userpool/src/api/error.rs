//! The JSON API's errors, named as Cognito names them, and the one place they become
//! responses: `400 {"__type": "...", "message": "..."}` with the `x-amzn-ErrorType` header,
//! which is what the AWS SDKs read to pick the exception type.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Error;
use crate::triggers::TriggerError;

/// A Cognito exception with Cognito's message.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", kind.name())]
pub(crate) struct ApiError {
    pub kind: Exception,
    pub message: String,
}

impl ApiError {
    pub(crate) fn new(kind: Exception, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }
}

macro_rules! exceptions {
    ($($variant:ident => $status:expr),* $(,)?) => {
        /// The exceptions the API answers with; the `__type` is the variant's name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(dead_code)] // the operations using each one are added one by one
        #[allow(clippy::enum_variant_names)] // each name is the wire `__type`, verbatim
        pub(crate) enum Exception { $($variant),* }

        impl Exception {
            /// The `__type`, e.g. `NotAuthorizedException`.
            pub(crate) fn name(self) -> &'static str {
                match self { $(Exception::$variant => stringify!($variant)),* }
            }

            fn status(self) -> StatusCode {
                match self { $(Exception::$variant => $status),* }
            }
        }
    };
}

exceptions! {
    UnknownOperationException => StatusCode::BAD_REQUEST,
    AccessDeniedException => StatusCode::FORBIDDEN,
    SerializationException => StatusCode::BAD_REQUEST,
    InvalidParameterException => StatusCode::BAD_REQUEST,
    MissingAuthenticationTokenException => StatusCode::BAD_REQUEST,
    NotAuthorizedException => StatusCode::BAD_REQUEST,
    UserNotFoundException => StatusCode::BAD_REQUEST,
    UserNotConfirmedException => StatusCode::BAD_REQUEST,
    UsernameExistsException => StatusCode::BAD_REQUEST,
    InvalidPasswordException => StatusCode::BAD_REQUEST,
    CodeMismatchException => StatusCode::BAD_REQUEST,
    ExpiredCodeException => StatusCode::BAD_REQUEST,
    LimitExceededException => StatusCode::BAD_REQUEST,
    TooManyRequestsException => StatusCode::BAD_REQUEST,
    TooManyFailedAttemptsException => StatusCode::BAD_REQUEST,
    PasswordResetRequiredException => StatusCode::BAD_REQUEST,
    ResourceNotFoundException => StatusCode::BAD_REQUEST,
    GroupExistsException => StatusCode::BAD_REQUEST,
    DuplicateProviderException => StatusCode::BAD_REQUEST,
    AliasExistsException => StatusCode::BAD_REQUEST,
    EnableSoftwareTokenMFAException => StatusCode::BAD_REQUEST,
    SoftwareTokenMFANotFoundException => StatusCode::BAD_REQUEST,
    InvalidUserPoolConfigurationException => StatusCode::BAD_REQUEST,
    UnsupportedOperationException => StatusCode::BAD_REQUEST,
    UnauthorizedException => StatusCode::BAD_REQUEST,
    UnsupportedUserStateException => StatusCode::BAD_REQUEST,
    UnsupportedTokenTypeException => StatusCode::BAD_REQUEST,
    UserLambdaValidationException => StatusCode::BAD_REQUEST,
    UnexpectedLambdaException => StatusCode::BAD_REQUEST,
    InvalidLambdaResponseException => StatusCode::BAD_REQUEST,
    FeatureUnavailableInTierException => StatusCode::BAD_REQUEST,
    OperationNotEnabledException => StatusCode::BAD_REQUEST,
    ForbiddenException => StatusCode::FORBIDDEN,
    ConcurrentModificationException => StatusCode::BAD_REQUEST,
    UserPoolAddOnNotEnabledException => StatusCode::BAD_REQUEST,
    ManagedLoginBrandingExistsException => StatusCode::BAD_REQUEST,
    TermsExistsException => StatusCode::BAD_REQUEST,
    PreconditionNotMetException => StatusCode::BAD_REQUEST,
    UnsupportedIdentityProviderException => StatusCode::BAD_REQUEST,
    DeviceKeyExistsException => StatusCode::BAD_REQUEST,
    ScopeDoesNotExistException => StatusCode::BAD_REQUEST,
    InvalidOAuthFlowException => StatusCode::BAD_REQUEST,
    WebAuthnNotEnabledException => StatusCode::BAD_REQUEST,
    WebAuthnConfigurationMissingException => StatusCode::BAD_REQUEST,
    WebAuthnChallengeNotFoundException => StatusCode::BAD_REQUEST,
    WebAuthnRelyingPartyMismatchException => StatusCode::BAD_REQUEST,
    WebAuthnOriginNotAllowedException => StatusCode::BAD_REQUEST,
    WebAuthnClientMismatchException => StatusCode::BAD_REQUEST,
    WebAuthnCredentialNotSupportedException => StatusCode::BAD_REQUEST,
    RequestEntityTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
    InternalErrorException => StatusCode::INTERNAL_SERVER_ERROR,
}

/// A failure of the pool itself (database, keys) is Cognito's `InternalErrorException`:
/// logged here, its details not shown.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::NoSuchPool(_) => ApiError::new(
                Exception::ResourceNotFoundException,
                "User pool does not exist.",
            ),
            Error::NoSuchUser => {
                ApiError::new(Exception::UserNotFoundException, "User does not exist.")
            }
            Error::UserExists => ApiError::new(
                Exception::UsernameExistsException,
                "An account with the given email already exists.",
            ),
            Error::InvalidParameter(m) => ApiError::new(Exception::InvalidParameterException, m),
            Error::LimitExceeded(m) => ApiError::new(Exception::LimitExceededException, m),
            Error::Trigger(t) => {
                let kind = match t {
                    TriggerError::Validation { .. } => Exception::UserLambdaValidationException,
                    TriggerError::Unexpected { .. } => Exception::UnexpectedLambdaException,
                    TriggerError::InvalidResponse { .. } => {
                        Exception::InvalidLambdaResponseException
                    }
                };
                ApiError::new(kind, t.to_string())
            }
            e => {
                tracing::error!(error = %e, "JSON API internal error");
                ApiError::new(Exception::InternalErrorException, "Internal error.")
            }
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::from(Error::Database(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let name = self.kind.name();
        let body = json!({ "__type": name, "message": self.message });
        let mut resp = (self.kind.status(), axum::Json(body)).into_response();
        let h = resp.headers_mut();
        h.insert(
            HeaderName::from_static("x-amzn-errortype"),
            HeaderValue::from_static(name),
        );
        super::json_headers(h);
        resp
    }
}
