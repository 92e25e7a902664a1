-- Sign-in through an OpenID Connect provider: who a provider's user is here, and the one-time
-- codes a browser trades for tokens.
CREATE TABLE oidc_identities (
  id char(36) NOT NULL,
  issuer varchar(255) NOT NULL,
  -- at most 255 ASCII characters (OpenID Connect Core 1.0, section 2)
  subject varchar(255) NOT NULL,
  user_id char(36) NOT NULL,
  created_at datetime(3) NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT oidc_identities_user_id_users_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- one account per identity
CREATE UNIQUE INDEX oidc_identities_issuer_subject_key ON oidc_identities (issuer, subject);
CREATE INDEX oidc_identities_user_idx ON oidc_identities (user_id);

CREATE TABLE oidc_login_codes (
  -- SHA-256 (hex) of the code; the code itself is never stored
  code_hash varchar(64) NOT NULL,
  user_id char(36) NOT NULL,
  expires_at datetime(3) NOT NULL,
  PRIMARY KEY (code_hash),
  CONSTRAINT oidc_login_codes_user_id_users_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE INDEX oidc_login_codes_expires_idx ON oidc_login_codes (expires_at);
