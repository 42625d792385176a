//! SQLite storage: users, groups, codes, sign-ins, refresh tokens, sessions and keys.
//! `database` opens it and defines the rows; the queries live in `users` (users, groups,
//! confirmation and reset codes), `grants` (authorization codes, sign-ins, refresh tokens,
//! hosted-UI sessions) and `signing_keys`.

mod challenges;
mod database;
mod devices;
pub(crate) mod documents;
mod federation;
mod grants;
mod group_admin;
mod mfa;
mod runtime_pools;
mod secrets;
mod sign_in_list;
mod signing_keys;
mod user_admin;
mod users;
mod webauthn;

pub(crate) use challenges::{ChallengeRow, CHALLENGE_VALIDITY_SECS};
pub(crate) use database::{
    AuthCodeRow, CodeProblem, KeyRow, SignInRow, Store, UserRow, GUESSES_PER_CODE,
};
pub(crate) use devices::DeviceRow;
pub(crate) use federation::{FederationState, IdentityRow, ProviderRow};
pub(crate) use sign_in_list::SignInEntry;
pub(crate) use webauthn::PasskeyRow;
