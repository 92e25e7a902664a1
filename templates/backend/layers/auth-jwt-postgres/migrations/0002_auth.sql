CREATE TABLE users (
  id uuid PRIMARY KEY,
  -- stored trimmed and lower-cased; the unique index makes the comparison case-insensitive
  email text NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz(3) NOT NULL
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL CONSTRAINT refresh_tokens_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  token_hash text NOT NULL CONSTRAINT refresh_tokens_token_hash_key UNIQUE,
  expires_at timestamptz(3) NOT NULL,
  created_at timestamptz(3) NOT NULL,
  -- set when the token is used (rotated), logged out or its family revoked
  revoked_at timestamptz(3)
);

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

ALTER TABLE notes
  ADD CONSTRAINT notes_owner_id_users_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE;
