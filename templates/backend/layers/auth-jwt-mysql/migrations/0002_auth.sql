CREATE TABLE users (
  id char(36) NOT NULL,
  -- stored trimmed and lower-cased, compared byte for byte: the unique key is case-insensitive
  -- for the app, and two addresses that differ only in accents stay two accounts
  email varchar(254) NOT NULL,
  password_hash text NOT NULL,
  created_at datetime(3) NOT NULL,
  PRIMARY KEY (id)
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE refresh_tokens (
  id char(36) NOT NULL,
  user_id char(36) NOT NULL,
  family_id char(36) NOT NULL,
  token_hash varchar(64) NOT NULL,
  expires_at datetime(3) NOT NULL,
  created_at datetime(3) NOT NULL,
  -- set when the token is used (rotated), logged out or its family revoked
  revoked_at datetime(3),
  PRIMARY KEY (id),
  CONSTRAINT refresh_tokens_user_id_users_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

ALTER TABLE notes
  ADD CONSTRAINT notes_owner_id_users_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE;
