package run.capsule.store;

import org.jooq.DSLContext;
import org.jooq.exception.IntegrityConstraintViolationException;
import org.jooq.impl.DSL;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import static run.capsule.store.jooq.Tables.CRASHED_MODULES;
import static run.capsule.store.jooq.Tables.MODULES;

/** Module bytes, content-addressed by sha-256, so that any node sharing the database can run any task. */
public final class ModuleStore {
    private final DSLContext dsl;

    ModuleStore(DSLContext dsl) {
        this.dsl = dsl;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stores the bytes unless a module with the same digest is already there; returns the digest. */
    public String put(byte[] bytes) {
        String digest = sha256(bytes);
        put(dsl, digest, bytes);
        return digest;
    }

    static void put(DSLContext tx, String digest, byte[] bytes) {
        if (tx.fetchExists(MODULES, MODULES.SHA256.eq(digest))) {
            return;
        }
        tx.insertInto(MODULES)
                .set(MODULES.SHA256, digest)
                .set(MODULES.SIZE_BYTES, (long) bytes.length)
                .set(MODULES.BYTES, bytes)
                .set(MODULES.CREATED_AT, DSL.currentOffsetDateTime())
                .onConflictDoNothing()
                .execute();
    }

    public Optional<byte[]> get(String digest) {
        return dsl.select(MODULES.BYTES).from(MODULES).where(MODULES.SHA256.eq(digest)).fetchOptional(MODULES.BYTES);
    }

    /** Records that compiling the module killed a runner; returns how many times that has happened now. */
    public int recordCompilerCrash(String digest, String reason) {
        for (int attempt = 0; ; attempt++) {
            int updated = dsl.update(CRASHED_MODULES)
                    .set(CRASHED_MODULES.CRASHES, CRASHED_MODULES.CRASHES.plus(1))
                    .set(CRASHED_MODULES.REASON, reason)
                    .set(CRASHED_MODULES.CRASHED_AT, DSL.currentOffsetDateTime())
                    .where(CRASHED_MODULES.SHA256.eq(digest))
                    .execute();
            if (updated == 0) {
                try {
                    dsl.insertInto(CRASHED_MODULES)
                            .set(CRASHED_MODULES.SHA256, digest)
                            .set(CRASHED_MODULES.CRASHES, 1)
                            .set(CRASHED_MODULES.REASON, reason)
                            .set(CRASHED_MODULES.CRASHED_AT, DSL.currentOffsetDateTime())
                            .execute();
                } catch (IntegrityConstraintViolationException raced) {
                    if (attempt < 2) {
                        continue;
                    }
                    throw raced;
                }
            }
            return compilerCrashes(digest);
        }
    }

    /** How many times compiling the module killed a runner (0 if never). */
    public int compilerCrashes(String digest) {
        return dsl.select(CRASHED_MODULES.CRASHES).from(CRASHED_MODULES).where(CRASHED_MODULES.SHA256.eq(digest))
                .fetchOptional(CRASHED_MODULES.CRASHES).orElse(0);
    }

    public boolean contains(String digest) {
        return dsl.fetchExists(MODULES, MODULES.SHA256.eq(digest));
    }
}
