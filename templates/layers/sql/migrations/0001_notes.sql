CREATE TABLE notes (
  id uuid PRIMARY KEY,
  owner_id uuid,
  title text NOT NULL,
  body text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL
);

CREATE INDEX notes_owner_created_idx ON notes (owner_id, created_at DESC, id DESC);
