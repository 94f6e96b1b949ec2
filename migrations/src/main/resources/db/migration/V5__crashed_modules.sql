-- Modules whose compilation killed a runner process: never compiled again, on any node (docs/sql.md).
CREATE TABLE crashed_modules (
    sha256      VARCHAR(64)              NOT NULL PRIMARY KEY REFERENCES modules (sha256),
    reason      VARCHAR                  NOT NULL,
    crashed_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
