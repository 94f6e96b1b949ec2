package run.capsule.engine.guards;

import run.capsule.store.JournalConfig;
import run.capsule.store.PrivateFiles;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import run.capsule.engine.spec.InvalidInputException;

/**
 * Seals the values of granted environment variables before they are journaled (docs/security.md): AES-GCM with a key
 * kept outside the journal in a 0600 file, so neither {@code capsule sql} nor a copy of the database reveals them. The
 * key file: {@code CAPSULE_SECRETS_KEY_FILE}, else {@code secrets.key} beside an H2 file journal, else
 * {@code ~/.config/capsule/secrets.key}; nodes sharing a PostgreSQL journal need the same key.
 */
public final class SecretBox {
    public static final String PREFIX = "aes-gcm:";
    private static final int IV_BYTES = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final Path keyFile;

    private SecretBox(SecretKeySpec key, Path keyFile) {
        this.key = key;
        this.keyFile = keyFile;
    }

    public static SecretBox forJournal(JournalConfig journal) {
        Path file = keyFile(journal);
        return new SecretBox(new SecretKeySpec(HexFormat.of().parseHex(PrivateFiles.secret(file, 32)), "AES"), file);
    }

    public static Path keyFile(JournalConfig journal) {
        String explicit = System.getenv("CAPSULE_SECRETS_KEY_FILE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        return journal.fileDirectory().map(dir -> dir.resolve("secrets.key")).orElseGet(() -> {
            String xdg = System.getenv("XDG_CONFIG_HOME");
            Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
            return base.resolve("capsule").resolve("secrets.key");
        });
    }

    /** The sealed form of {@code plain} (null stays null). */
    public String seal(String plain) {
        if (plain == null) {
            return null;
        }
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[iv.length + sealed.length];
            System.arraycopy(iv, 0, out, 0, iv.length);
            System.arraycopy(sealed, 0, out, iv.length, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a secret: " + e.getMessage(), e);
        }
    }

    /** The plain form of a journaled value; one journaled before sealing existed is returned as it is. */
    public String open(String stored) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            return stored;
        }
        try {
            byte[] in = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, IV_BYTES));
            return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new InvalidInputException("the task's environment values cannot be opened with the key in " + keyFile
                    + " (nodes sharing a journal need the same key: CAPSULE_SECRETS_KEY_FILE)");
        }
    }
}
