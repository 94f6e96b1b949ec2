package run.capsule.store;

import org.jooq.DSLContext;
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

    /** Records that compiling the module killed a runner, so that no node compiles it again. */
    public void markCrashedCompiler(String digest, String reason) {
        try {
            dsl.insertInto(CRASHED_MODULES)
                    .set(CRASHED_MODULES.SHA256, digest)
                    .set(CRASHED_MODULES.REASON, reason)
                    .set(CRASHED_MODULES.CRASHED_AT, DSL.currentOffsetDateTime())
                    .execute();
        } catch (org.jooq.exception.IntegrityConstraintViolationException alreadyThere) {
            // another node recorded it first
        }
    }

    public boolean crashedCompiler(String digest) {
        return dsl.fetchExists(CRASHED_MODULES, CRASHED_MODULES.SHA256.eq(digest));
    }

    public boolean contains(String digest) {
        return contains(dsl, digest);
    }

    static boolean contains(DSLContext dsl, String digest) {
        return dsl.fetchExists(MODULES, MODULES.SHA256.eq(digest));
    }
}
