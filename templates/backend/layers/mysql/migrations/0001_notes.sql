-- utf8mb4_bin: text is stored as sent and compared byte for byte (ids and emails arrive lower-cased).
CREATE TABLE notes (
  id char(36) NOT NULL,
  owner_id char(36),
  title text NOT NULL,
  body text NOT NULL,
  created_at datetime(3) NOT NULL,
  updated_at datetime(3) NOT NULL,
  PRIMARY KEY (id)
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The list query's order, for one owner or for the shared notes (owner_id IS NULL) alike.
CREATE INDEX notes_owner_created_idx ON notes (owner_id, created_at, id);
