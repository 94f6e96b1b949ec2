package run.capsule.runner.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.runner.protocol.Mount;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The {@code file.read}, {@code file.write} and {@code file.list} ops: files in the attempt's granted directories
 * (its mounts), named by their path inside the sandbox, for guests that reach files through the host-call channel
 * (JavaScript). A path resolves against the mount with the longest matching guest path; after normalising it, the
 * real path of the target (or, to create a file, of its parent) must stay inside the real path of the mount's
 * directory, so neither {@code ..} nor a symlink leads out. Writes to read-only mounts are refused.
 */
final class FileGateway {
    static final long MAX_READ_BYTES = 4L * 1024 * 1024;

    private record Grant(Path guest, Path host, boolean readOnly) {
    }

    private record Target(Grant grant, Path hostPath, String guestPath) {
    }

    private final List<Grant> grants;

    FileGateway(List<Mount> mounts) {
        List<Grant> list = new ArrayList<>();
        for (Mount mount : mounts) {
            list.add(new Grant(Path.of("/").resolve(mount.guestPath()).normalize(), Path.of(mount.hostPath()), mount.readOnly()));
        }
        list.sort(Comparator.comparingInt((Grant g) -> g.guest().getNameCount()).reversed());
        this.grants = List.copyOf(list);
    }

    HostCallDispatcher.Operation read() {
        return request -> {
            Target target = resolve(request);
            Path real = insideReal(target, target.hostPath());
            try {
                if (Files.isDirectory(real)) {
                    throw new HostCallException("is_a_directory", target.guestPath() + " is a directory");
                }
                if (Files.size(real) > MAX_READ_BYTES) {
                    throw new HostCallException("too_large", target.guestPath() + " is larger than " + MAX_READ_BYTES + " bytes");
                }
                ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
                reply.put("text", Files.readString(real, StandardCharsets.UTF_8));
                return reply;
            } catch (IOException e) {
                throw ioError(target, e);
            }
        };
    }

    HostCallDispatcher.Operation write() {
        return request -> {
            Target target = resolve(request);
            JsonNode text = request.get("text");
            if (text == null || !text.isTextual()) {
                throw new HostCallException("bad_request", "file.write needs a string \"text\" field");
            }
            if (target.grant().readOnly()) {
                throw new HostCallException("not_allowed", target.guestPath() + " is in " + target.grant().guest() + ", which is granted read-only");
            }
            Path parent = target.hostPath().getParent();
            if (parent == null || target.hostPath().equals(target.grant().host())) {
                throw new HostCallException("is_a_directory", target.guestPath() + " is a directory");
            }
            Path file = insideReal(target, parent).resolve(target.hostPath().getFileName());
            if (Files.isSymbolicLink(file)) {
                file = insideReal(target, file);
            }
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                out.write(text.asText().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw ioError(target, e);
            }
            return HostCallDispatcher.JSON.createObjectNode();
        };
    }

    HostCallDispatcher.Operation list() {
        return request -> {
            Target target = resolve(request);
            Path real = insideReal(target, target.hostPath());
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(real)) {
                for (Path entry : entries) {
                    names.add(entry.getFileName().toString());
                }
            } catch (IOException e) {
                throw ioError(target, e);
            }
            names.sort(null);
            ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
            ArrayNode array = reply.putArray("entries");
            names.forEach(array::add);
            return reply;
        };
    }

    private Target resolve(JsonNode request) throws HostCallException {
        JsonNode path = request.get("path");
        if (path == null || !path.isTextual() || path.asText().isEmpty() || path.asText().indexOf('\0') >= 0) {
            throw new HostCallException("bad_request", request.path("op").asText() + " needs a string \"path\" field");
        }
        Path guest = Path.of("/").resolve(path.asText()).normalize();
        Optional<Grant> grant = grants.stream().filter(g -> guest.startsWith(g.guest())).findFirst();
        if (grant.isEmpty()) {
            throw new HostCallException("not_allowed", path.asText() + " is outside the directories granted to this task"
                    + (grants.isEmpty() ? " (none)" : " (" + String.join(", ", grants.stream().map(g -> g.guest().toString()).toList()) + ")"));
        }
        Path rest = grant.get().guest().relativize(guest);
        Path host = rest.toString().isEmpty() ? grant.get().host() : grant.get().host().resolve(rest.toString()).normalize();
        return new Target(grant.get(), host, guest.toString());
    }

    /** The real path of {@code path}, which must lie inside the real path of the target's mount. */
    private static Path insideReal(Target target, Path path) throws HostCallException {
        try {
            Path root = target.grant().host().toRealPath();
            Path real = path.toRealPath();
            if (!real.startsWith(root)) {
                throw new HostCallException("not_allowed", target.guestPath() + " leads outside " + target.grant().guest());
            }
            return real;
        } catch (IOException e) {
            throw ioError(target, e);
        }
    }

    private static HostCallException ioError(Target target, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new HostCallException("not_found", "no such file or directory: " + target.guestPath());
        }
        if (e instanceof NotDirectoryException) {
            return new HostCallException("not_a_directory", target.guestPath() + " is not a directory");
        }
        return new HostCallException("io_error", target.guestPath() + ": " + e.getClass().getSimpleName()
                + (e.getMessage() != null ? " " + e.getMessage().replace(target.grant().host().toString(), target.grant().guest().toString()) : ""));
    }
}
