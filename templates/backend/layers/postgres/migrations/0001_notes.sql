CREATE TABLE notes (
  id uuid PRIMARY KEY,
  owner_id uuid,
  title text NOT NULL,
  body text NOT NULL,
  created_at timestamptz(3) NOT NULL,
  updated_at timestamptz(3) NOT NULL
);

CREATE INDEX notes_owner_created_idx ON notes (owner_id, created_at DESC, id DESC);
-- Shared notes have owner_id NULL, and `owner_id IS NULL` does not let the index above
-- give rows in created_at order: this one does.
CREATE INDEX notes_unowned_created_idx ON notes (created_at DESC, id DESC) WHERE owner_id IS NULL;
