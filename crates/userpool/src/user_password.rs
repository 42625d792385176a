//! Setting a user's password: the Argon2 hash and the SRP verifier always change together,
//! so every front door (hosted UI, JSON API, admin, seed) can sign the user in afterwards.

/// What is stored for a password: the Argon2 hash, and the SRP salt and verifier (hex).
pub(crate) struct PasswordRecord {
    pub hash: String,
    pub srp_salt: String,
    pub srp_verifier: String,
}
