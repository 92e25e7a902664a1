-- Sign-in through an OpenID Connect provider: who a provider's user is here, and the one-time
-- codes a browser trades for tokens.
CREATE TABLE oidc_identities (
  id uuid PRIMARY KEY,
  issuer text NOT NULL,
  subject text NOT NULL,
  user_id uuid NOT NULL CONSTRAINT oidc_identities_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz(3) NOT NULL
);

-- one account per identity
CREATE UNIQUE INDEX oidc_identities_issuer_subject_key ON oidc_identities (issuer, subject);
CREATE INDEX oidc_identities_user_idx ON oidc_identities (user_id);

CREATE TABLE oidc_login_codes (
  -- SHA-256 (hex) of the code; the code itself is never stored
  code_hash text PRIMARY KEY,
  user_id uuid NOT NULL CONSTRAINT oidc_login_codes_user_id_users_id_fk REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz(3) NOT NULL
);

CREATE INDEX oidc_login_codes_expires_idx ON oidc_login_codes (expires_at);
