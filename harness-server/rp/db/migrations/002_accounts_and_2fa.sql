-- Accounts with email + password, second factors (TOTP/HOTP, backup codes, security keys),
-- recovery, audit, the mail outbox and organisations.
-- Accounts created by 001 (passkey only) keep working: their email and password stay NULL.

ALTER TABLE users ADD COLUMN email TEXT;                 -- lower-cased
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
ALTER TABLE users ADD COLUMN password_hash TEXT;         -- scrypt$ln=…,r=…,p=…$salt$hash
-- Consecutive failed authentications (password, code, key); reset by a success.
ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER;

-- 'passkey': discoverable + user verification, can sign in without a password.
-- 'security-key': second factor after the password.
ALTER TABLE credentials ADD COLUMN kind TEXT NOT NULL DEFAULT 'passkey' CHECK (kind IN ('passkey', 'security-key'));
-- Set when the signature counter went backwards (a possibly cloned authenticator).
ALTER TABLE credentials ADD COLUMN clone_warning_at INTEGER;

-- Purpose-specific data of a pending ceremony (JSON), e.g. the kind of key being added.
ALTER TABLE challenges ADD COLUMN data TEXT NOT NULL DEFAULT '{}';

-- Password checked, second factor still to come. Same hashing as sessions.
CREATE TABLE pending_signins (
  id         BLOB    PRIMARY KEY CHECK (length(id) = 32),
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX pending_signins_by_expiry ON pending_signins (expires_at);

-- Links sent by email; only the SHA-256 of the token is stored.
CREATE TABLE email_tokens (
  id         BLOB    PRIMARY KEY CHECK (length(id) = 32),
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose    TEXT    NOT NULL CHECK (purpose IN ('verify-email', 'recovery')),
  email      TEXT    NOT NULL,                      -- where it was sent
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose);

-- Authenticator-app factors. At most one active and one pending (enrolment not yet confirmed).
CREATE TABLE otp_factors (
  user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status         TEXT    NOT NULL CHECK (status IN ('pending', 'active')),
  kind           TEXT    NOT NULL CHECK (kind IN ('totp', 'hotp')),
  secret         BLOB    NOT NULL,                  -- AES-256-GCM under a key derived from the server key
  algorithm      TEXT    NOT NULL CHECK (algorithm IN ('sha1', 'sha256', 'sha512')),
  digits         INTEGER NOT NULL CHECK (digits IN (6, 8)),
  period         INTEGER NOT NULL,
  counter        INTEGER NOT NULL DEFAULT 0,        -- HOTP: next expected counter
  last_time_step INTEGER,                           -- TOTP: last accepted step (replay protection)
  created_at     INTEGER NOT NULL,
  enabled_at     INTEGER,
  last_used_at   INTEGER,
  PRIMARY KEY (user_id, status)
) STRICT;

CREATE TABLE backup_codes (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  salt       BLOB    NOT NULL CHECK (length(salt) >= 4),
  hash       BLOB    NOT NULL,                      -- SHA-256(salt || code)
  created_at INTEGER NOT NULL,
  used_at    INTEGER
) STRICT;
CREATE INDEX backup_codes_by_user ON backup_codes (user_id);

-- A "lost everything" recovery confirmed through the email link, waiting for its delay.
CREATE TABLE recoveries (
  user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  confirmed_at INTEGER NOT NULL,
  available_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  at      INTEGER NOT NULL,
  event   TEXT    NOT NULL,
  detail  TEXT    NOT NULL DEFAULT '{}',            -- JSON
  ip      TEXT
) STRICT;
CREATE INDEX audit_log_by_user ON audit_log (user_id, at);

-- Every email the RP sends (the local outbox; SMTP delivery is optional on top).
CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
  to_address TEXT    NOT NULL,
  subject    TEXT    NOT NULL,
  body       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE organisations (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  enforce_2fa INTEGER NOT NULL DEFAULT 0 CHECK (enforce_2fa IN (0, 1)),
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
  org_id    INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role      TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, user_id)
) STRICT;
CREATE INDEX memberships_by_user ON memberships (user_id);
