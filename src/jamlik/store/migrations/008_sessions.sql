-- Signed-in web sessions (issue 13): the signed cookie carries a random session id, and only its
-- SHA-256 is kept here, so signing out (or a password change) ends the session on the server.
-- Lives in the strategy side store beside accounts; never part of a published snapshot.
CREATE TABLE sessions (
    session_hash VARCHAR PRIMARY KEY,     -- hex SHA-256 of the cookie's session id
    username     VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP                -- set on sign-out; a revoked session opens nothing
);
