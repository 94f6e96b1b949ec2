-- Modules whose compilation killed a runner process (docs/sql.md). After CRASHES_TO_REFUSE such deaths (2) the
-- module is never compiled again, on any node: one death may be an outside kill, two in compile are the module.
CREATE TABLE crashed_modules (
    sha256      VARCHAR(64)              NOT NULL PRIMARY KEY REFERENCES modules (sha256),
    crashes     INTEGER                  NOT NULL,
    reason      VARCHAR                  NOT NULL,
    crashed_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
