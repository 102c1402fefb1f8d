-- Users, their passkeys, pending WebAuthn challenges and sign-in sessions.
-- Times are milliseconds since the Unix epoch (INTEGER), byte strings are BLOBs.

CREATE TABLE users (
  id          INTEGER PRIMARY KEY,
  username    TEXT    NOT NULL UNIQUE,
  -- WebAuthn user.id: 32 random bytes, never derived from the username (WebAuthn §14.6.1).
  user_handle BLOB    NOT NULL UNIQUE CHECK (length(user_handle) = 32),
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE credentials (
  -- The credential id (base64url). PRIMARY KEY: a credential belongs to exactly one user.
  id              TEXT    PRIMARY KEY,
  user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  public_key      BLOB    NOT NULL,                 -- COSE_Key as returned by the authenticator
  sign_count      INTEGER NOT NULL DEFAULT 0,
  transports      TEXT    NOT NULL DEFAULT '[]',    -- JSON array of AuthenticatorTransport
  backup_eligible INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
  backup_state    INTEGER NOT NULL CHECK (backup_state IN (0, 1)),
  name            TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER
) STRICT;
CREATE INDEX credentials_by_user ON credentials (user_id);

-- Pending ceremonies. A row is consumed (deleted) by the verify call that uses it.
-- purpose is free text checked by the application so later ceremonies need no table rebuild.
CREATE TABLE challenges (
  id                  TEXT    PRIMARY KEY,          -- random, handed to the browser in a cookie
  challenge           TEXT    NOT NULL,             -- base64url, as sent in the options
  purpose             TEXT    NOT NULL,
  user_id             INTEGER REFERENCES users (id) ON DELETE CASCADE,
  pending_username    TEXT,                         -- sign-up: the user row does not exist yet
  pending_user_handle BLOB,
  expires_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX challenges_by_expiry ON challenges (expires_at);

CREATE TABLE sessions (
  -- SHA-256 of the cookie value: a leaked database does not yield usable session cookies.
  id         BLOB    PRIMARY KEY CHECK (length(id) = 32),
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
