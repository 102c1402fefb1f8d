-- Team invitations (issue 11 item 3): nobody becomes a member, is seen by an admin or held to
-- an organisation's 2FA rule until they accept. Password-reset links (issue 20 item 5).

-- One pending invitation per (organisation, username as the admin typed it). The row exists
-- even when no account has that name (user_id NULL), so that what the admin sees and is
-- answered cannot tell which usernames exist; such a row never reaches anyone.
CREATE TABLE org_invitations (
  org_id     INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  username   TEXT    NOT NULL,
  user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
  invited_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, username)
) STRICT;
CREATE INDEX org_invitations_by_user ON org_invitations (user_id);

-- Members added before invitations existed never agreed to join: they become invitations
-- (valid 7 days from the upgrade) instead of memberships.
INSERT INTO org_invitations (org_id, username, user_id, invited_by, created_at, expires_at)
  SELECT m.org_id, u.username, m.user_id,
         (SELECT a.user_id FROM memberships a WHERE a.org_id = m.org_id AND a.role = 'admin' LIMIT 1),
         m.joined_at, CAST(unixepoch('now') AS INTEGER) * 1000 + 7 * 86400000
  FROM memberships m JOIN users u ON u.id = m.user_id
  WHERE m.role = 'member';
DELETE FROM memberships WHERE role = 'member';

-- email_tokens gains the 'password-reset' purpose. SQLite cannot change a CHECK constraint, so
-- the table is rebuilt (no other table references it).
CREATE TABLE email_tokens_new (
  id         BLOB    PRIMARY KEY CHECK (length(id) = 32),
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose    TEXT    NOT NULL CHECK (purpose IN ('verify-email', 'recovery', 'password-reset')),
  email      TEXT    NOT NULL,                      -- where it was sent
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
INSERT INTO email_tokens_new (id, user_id, purpose, email, created_at, expires_at)
  SELECT id, user_id, purpose, email, created_at, expires_at FROM email_tokens;
DROP TABLE email_tokens;
ALTER TABLE email_tokens_new RENAME TO email_tokens;
CREATE INDEX email_tokens_by_user ON email_tokens (user_id, purpose);
