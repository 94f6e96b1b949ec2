package run.capsule.service.auth;

import run.capsule.engine.spec.InvalidInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bearer tokens of a token file: one per line, {@code TOKEN} (role admin) or {@code TOKEN read}; blank lines and
 * {@code #} comments are skipped. A token must be at least 16 characters of printable ASCII without spaces. Compared in
 * constant time: every known token is compared in full, whatever matched.
 */
public final class Tokens {
    public static final int MIN_LENGTH = 16;
    private final List<Entry> entries;

    private record Entry(byte[] token, Role role) {
    }

    private Tokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static Tokens read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException("--token-file " + file + ": cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            String where = "--token-file " + file + " line " + (i + 1);
            if (parts.length > 2 || parts.length == 2 && !parts[1].equals("read") && !parts[1].equals("admin")) {
                throw new InvalidInputException(where + ": expected TOKEN or TOKEN read (or TOKEN admin)");
            }
            if (parts[0].length() < MIN_LENGTH || !parts[0].matches("[\\x21-\\x7e]+")) {
                throw new InvalidInputException(where + ": a token must be at least " + MIN_LENGTH + " printable characters without spaces");
            }
            entries.add(new Entry(parts[0].getBytes(StandardCharsets.US_ASCII), parts.length == 2 && parts[1].equals("read") ? Role.READ : Role.ADMIN));
        }
        if (entries.isEmpty()) {
            throw new InvalidInputException("--token-file " + file + " holds no token");
        }
        return new Tokens(entries);
    }

    /** The role of {@code presented}, or empty when it is no known token. */
    public Optional<Role> roleOf(String presented) {
        byte[] given = presented.getBytes(StandardCharsets.UTF_8);
        Role found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.token(), given) && found == null) {
                found = entry.role();
            }
        }
        return Optional.ofNullable(found);
    }
}
