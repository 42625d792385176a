//! The hosted UI's pages: sign in (and its second factor), sign up, confirm, forgot password,
//! and the error page. This module only routes; every handler starts from a checked
//! [`form::HostedForm`], which also refuses a POST without the browser's anti-CSRF token.

use axum::routing::{get, post};
use axum::Router;

use crate::http::MAX_BODY;
use crate::pool::UserPool;

mod csrf;
mod forgot;
mod form;
mod mfa;
mod page;
mod passkey;
mod sign_in;
mod sign_up;
mod signed_in;

pub(crate) fn router(pool: UserPool) -> Router {
    Router::new()
        .route("/login", get(sign_in::login_page).post(sign_in::login))
        .route("/login/passkey/options", post(passkey::options))
        .route("/login/passkey", post(passkey::sign_in))
        .route("/passkey.js", get(passkey::script))
        .route("/mfa", get(mfa::mfa_page).post(mfa::answer))
        .route("/signup", get(sign_up::signup_page).post(sign_up::signup))
        .route(
            "/confirmUser",
            get(sign_up::confirm_page).post(sign_up::confirm),
        )
        .route(
            "/forgotPassword",
            get(forgot::forgot_page).post(forgot::forgot),
        )
        .route(
            "/confirmForgotPassword",
            get(forgot::confirm_forgot_page).post(forgot::confirm_forgot),
        )
        .route("/resendcode", get(sign_up::resend_code))
        .route("/error", get(page::error_page))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(pool)
}
