-- The content types whose tables exist: the schema last applied, and every column ever created
-- for the type (column name → storage class), so that removed attributes keep their data.
CREATE TABLE content_types (
    uid TEXT PRIMARY KEY NOT NULL,
    table_name TEXT NOT NULL UNIQUE,
    schema TEXT NOT NULL,
    known_columns TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
