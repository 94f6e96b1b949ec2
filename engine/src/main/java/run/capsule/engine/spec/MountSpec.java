package run.capsule.engine.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A directory granted to the guest: {@code HOST[::GUEST][:ro|:rw]}. The guest path defaults to {@code /} plus
 * the directory's name; the mode defaults to read-write. The host directory must exist.
 */
public record MountSpec(Path hostPath, String guestPath, boolean readOnly) {

    public static MountSpec parse(String text, Path workingDir) {
        String rest = text == null ? "" : text.strip();
        boolean readOnly = false;
        String lower = rest.toLowerCase(Locale.ROOT);
        if (lower.endsWith(":ro") || lower.endsWith(":rw")) {
            readOnly = lower.endsWith(":ro");
            rest = rest.substring(0, rest.length() - 3);
        }
        String host = rest;
        String guest = null;
        int sep = rest.indexOf("::");
        if (sep >= 0) {
            host = rest.substring(0, sep);
            guest = rest.substring(sep + 2);
        }
        if (host.isEmpty()) {
            throw new InvalidInputException("invalid --mount '" + text + "': expected HOST[::GUEST][:ro|:rw]");
        }
        Path hostPath = workingDir.resolve(host).toAbsolutePath().normalize();
        if (!Files.exists(hostPath)) {
            throw new InvalidInputException("invalid --mount '" + text + "': " + hostPath + " does not exist");
        }
        if (!Files.isDirectory(hostPath)) {
            throw new InvalidInputException("invalid --mount '" + text + "': " + hostPath + " is not a directory (grants are directories)");
        }
        try {
            hostPath = hostPath.toRealPath(); // journaled as its real path: a link in it cannot point the grant elsewhere later
        } catch (java.io.IOException e) {
            throw new InvalidInputException("invalid --mount '" + text + "': " + hostPath + " cannot be resolved: " + e.getMessage());
        }
        if (guest == null || guest.isEmpty()) {
            Path name = hostPath.getFileName();
            guest = "/" + (name == null ? "root" : name.toString());
        }
        if (!guest.startsWith("/") || guest.contains("..") || guest.contains("\0")) {
            throw new InvalidInputException("invalid --mount '" + text + "': the guest path must be absolute and must not contain '..'");
        }
        return new MountSpec(hostPath, guest, readOnly);
    }

    @Override
    public String toString() {
        return hostPath + "::" + guestPath + (readOnly ? ":ro" : ":rw");
    }
}
