-- The user pool's schema. Every statement is idempotent: it runs at each start.
CREATE TABLE IF NOT EXISTS signing_keys (
    kid         TEXT PRIMARY KEY,
    pool_id     TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('id', 'access')),
    private_der BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
);
CREATE INDEX IF NOT EXISTS signing_keys_pool ON signing_keys (pool_id);

CREATE TABLE IF NOT EXISTS users (
    sub             TEXT PRIMARY KEY,
    pool_id         TEXT NOT NULL,
    email           TEXT NOT NULL COLLATE NOCASE,
    password_hash   TEXT NOT NULL,
    confirmed       INTEGER NOT NULL,
    email_verified  INTEGER NOT NULL,
    attributes      TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (pool_id, email)
);

CREATE TABLE IF NOT EXISTS groups (
    pool_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE IF NOT EXISTS user_groups (
    pool_id    TEXT NOT NULL,
    sub        TEXT NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
    group_name TEXT NOT NULL,
    PRIMARY KEY (sub, group_name)
);

CREATE TABLE IF NOT EXISTS user_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id    TEXT NOT NULL,
    sub        TEXT NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
    email      TEXT NOT NULL COLLATE NOCASE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset')),
    code       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    failed     INTEGER NOT NULL DEFAULT 0,
    used       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS user_codes_sub ON user_codes (sub, purpose);
CREATE INDEX IF NOT EXISTS user_codes_email ON user_codes (email);

-- Codes and tokens are stored as SHA-256 hashes: a copy of the database cannot be replayed.
CREATE TABLE IF NOT EXISTS auth_codes (
    code_hash      TEXT PRIMARY KEY,
    pool_id        TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    sub            TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    nonce          TEXT,
    code_challenge TEXT,
    auth_time      INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS sign_ins (
    origin_jti TEXT PRIMARY KEY,
    pool_id    TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    sub        TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    auth_time  INTEGER NOT NULL,
    scope      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);

-- Which sign-in an authorization code was redeemed for: a replayed code revokes it
-- (RFC 6749 §4.1.2). Kept as long as the code itself.
CREATE TABLE IF NOT EXISTS code_redemptions (
    code_hash  TEXT PRIMARY KEY,
    origin_jti TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    origin_jti TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    replaced   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS sessions (
    id_hash    TEXT PRIMARY KEY,
    pool_id    TEXT NOT NULL,
    sub        TEXT NOT NULL,
    auth_time  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Columns added after the first release live in `store/database.rs` (ADDED_COLUMNS), since
-- SQLite has no `ADD COLUMN IF NOT EXISTS`: each is added when missing, at each start.
--   users.srp_salt, users.srp_verifier  the SRP verifier, stored beside the Argon2 hash
--   users.password_temporary            1: the next sign-in must set a new password
--   users.enabled                       0 after AdminDisableUser: no sign-in anywhere
--   users.totp_secret, users.totp_enabled, users.totp_last_step, users.totp_pending,
--   users.totp_preferred
--                                       software-token MFA (pending: set up, not verified)
--   refresh_tokens.replaced_at          when a rotated token was replaced (grace period)

-- A challenge in progress (the JSON API's `Session`): single use, short-lived, and bound to
-- the client and user. Only the hash of the session value is stored.
CREATE TABLE IF NOT EXISTS auth_challenges (
    session_hash TEXT PRIMARY KEY,
    pool_id      TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    sub          TEXT NOT NULL,
    challenge    TEXT NOT NULL,
    state        BLOB NOT NULL,
    expires_at   INTEGER NOT NULL
);

-- A pool's MFA setting as changed by `SetUserPoolMfaConfig` (the seed's `mfa` until then).
CREATE TABLE IF NOT EXISTS pool_mfa (
    pool_id TEXT PRIMARY KEY,
    mfa     TEXT NOT NULL
);

-- The pool's own secret key (server_secret.rs): one row, made at the first start.
CREATE TABLE IF NOT EXISTS server_secret (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BLOB NOT NULL
);

-- Where a request for an address without an account writes its stand-in code (one row,
-- overwritten), so that it takes as long as one for a real user (store/secrets.rs).
CREATE TABLE IF NOT EXISTS code_decoys (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    code       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Pools made at run time (`CreateUserPool`), their configuration (clients included) as JSON.
CREATE TABLE IF NOT EXISTS runtime_pools (
    pool_id    TEXT PRIMARY KEY,
    config     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- What the JSON API stores and gives back as it was given (issue 31): tags, domains, UI
-- customisation, branding, terms, log delivery, risk and session configuration, group
-- details, client secrets, import jobs. One row per (pool, kind, key), the body as JSON.
CREATE TABLE IF NOT EXISTS pool_documents (
    pool_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (pool_id, kind, key)
);
CREATE INDEX IF NOT EXISTS pool_documents_key ON pool_documents (kind, key);

-- A pool's identity providers (`CreateIdentityProvider`): details, attribute mapping and
-- identifiers as JSON, as the API gives them.
CREATE TABLE IF NOT EXISTS identity_providers (
    pool_id           TEXT NOT NULL,
    provider_name     TEXT NOT NULL,
    provider_type     TEXT NOT NULL,
    details           TEXT NOT NULL,
    attribute_mapping TEXT NOT NULL,
    idp_identifiers   TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (pool_id, provider_name)
);

-- Who a user is at an identity provider: the provider's `sub` → the pool's user, either the
-- federated user made at the first sign-in (`linked` 0) or a native user it was linked to
-- (`AdminLinkProviderForUser`, `linked` 1). `disabled` after `AdminDisableProviderForUser`.
-- The federated user's own username (`{ProviderName}_{sub}`) is `users.username`.
CREATE TABLE IF NOT EXISTS federated_identities (
    pool_id          TEXT NOT NULL,
    provider_name    TEXT NOT NULL,
    provider_user_id TEXT NOT NULL,
    sub              TEXT NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
    linked           INTEGER NOT NULL,
    disabled         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (pool_id, provider_name, provider_user_id)
);
CREATE INDEX IF NOT EXISTS federated_identities_sub ON federated_identities (sub);

-- A sign-in sent to an identity provider and not back yet: single use, short-lived, bound to
-- the browser that started it (only hashes of the state and of the browser's cookie). `request`
-- is the app's checked authorization request, as JSON.
CREATE TABLE IF NOT EXISTS federation_states (
    state_hash    TEXT PRIMARY KEY,
    browser_hash  TEXT NOT NULL,
    pool_id       TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    request       TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    expires_at    INTEGER NOT NULL
);

-- A user's device (Cognito's device tracking): made when a sign-in's tokens carry
-- `NewDeviceMetadata`, confirmed by `ConfirmDevice` with its SRP salt and verifier (hex; NULL
-- until then), gone with its user. `remembered` 1: it may skip MFA (`UpdateDeviceStatus`).
CREATE TABLE IF NOT EXISTS devices (
    device_key   TEXT PRIMARY KEY,
    pool_id      TEXT NOT NULL,
    sub          TEXT NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
    group_key    TEXT NOT NULL,
    name         TEXT,
    srp_salt     TEXT,
    srp_verifier TEXT,
    remembered   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    last_auth_at INTEGER
);
CREATE INDEX IF NOT EXISTS devices_sub ON devices (sub);

-- A user's passkey (WebAuthn credential, `CompleteWebAuthnRegistration`): its id (base64url),
-- the relying party it is scoped to, its COSE public key and signature counter, gone with its
-- user. `transports` is a JSON list.
CREATE TABLE IF NOT EXISTS webauthn_credentials (
    pool_id          TEXT NOT NULL,
    credential_id    TEXT NOT NULL,
    sub              TEXT NOT NULL REFERENCES users (sub) ON DELETE CASCADE,
    relying_party_id TEXT NOT NULL,
    public_key       BLOB NOT NULL,
    algorithm        INTEGER NOT NULL,
    sign_count       INTEGER NOT NULL,
    transports       TEXT NOT NULL,
    attachment       TEXT,
    friendly_name    TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    last_used_at     INTEGER,
    PRIMARY KEY (pool_id, credential_id)
);
CREATE INDEX IF NOT EXISTS webauthn_credentials_sub ON webauthn_credentials (sub);
