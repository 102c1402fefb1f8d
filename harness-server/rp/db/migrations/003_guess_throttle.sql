-- Throttling of guesses (issue 11 item 2, issue 20 item 4; docs/rp.md "Throttling and lockout").
-- Counters are keyed by what the caller submitted, not by an account row, so a username that
-- does not exist is throttled exactly like one that does. Usernames and addresses are stored as
-- HMAC-SHA256 under a key derived from the server key: a password typed into the username field
-- is not kept at rest, and neither is the list of addresses that tried.
-- users.failed_attempts and users.locked_until (002) are no longer read or written.

CREATE TABLE guess_counters (
  subject  BLOB    NOT NULL CHECK (length(subject) = 32),   -- HMAC of the submitted username
  -- HMAC of the client's network (IPv4 address, IPv6 /64); empty: the account-wide counter.
  scope    BLOB    NOT NULL CHECK (length(scope) IN (0, 32)),
  failures INTEGER NOT NULL CHECK (failures >= 0),          -- guesses since the last success
  last_at  INTEGER NOT NULL,                                -- the latest guess (ms)
  PRIMARY KEY (subject, scope)
) STRICT, WITHOUT ROWID;
CREATE INDEX guess_counters_by_age ON guess_counters (last_at);

-- Networks an account has completed a sign-in from: they are exempt from the account-wide
-- limit (NIST SP 800-63B §5.2.2's "addresses from which the subscriber has successfully
-- authenticated before"), so an attack from elsewhere does not lock the owner out at home.
CREATE TABLE known_networks (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  network BLOB    NOT NULL CHECK (length(network) = 32),    -- HMAC, as guess_counters.scope
  last_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, network)
) STRICT, WITHOUT ROWID;
CREATE INDEX known_networks_by_age ON known_networks (last_at);
