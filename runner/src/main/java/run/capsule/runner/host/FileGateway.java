package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.Mount;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code file.read}, {@code file.write} and {@code file.list} ops: files in the attempt's granted directories
 * (its mounts), named by their path inside the sandbox, for guests that reach files through the host-call channel
 * (JavaScript). A path resolves against the mount with the longest matching guest path; after normalising it (so no
 * {@code ..} is left), it is opened from the mount's directory one name at a time through {@link NoFollowWalk}: a
 * symlink anywhere on the way is refused, and a guest swapping a directory for a symlink meanwhile cannot redirect the
 * open. Writes to read-only mounts are refused; writes count against the attempt's {@link WriteQuota}.
 */
final class FileGateway {
    static final long MAX_READ_BYTES = 4L * 1024 * 1024;

    private record Grant(Path guest, Path host, boolean readOnly) {
    }

    /** {@code names}: the path below the grant's directory, one name per component (never {@code .} or {@code ..}). */
    private record Target(Grant grant, List<String> names, String guestPath) {
        List<String> parentNames() {
            return names.subList(0, names.size() - 1);
        }

        String fileName() {
            return names.get(names.size() - 1);
        }
    }

    private final List<Grant> grants;
    private final WriteQuota quota;

    FileGateway(List<Mount> mounts) {
        this(mounts, new WriteQuota(WriteQuota.DEFAULT_BYTES));
    }

    FileGateway(List<Mount> mounts, WriteQuota quota) {
        this.quota = quota;
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
            if (target.names().isEmpty()) {
                throw new HostCallException(ErrorType.IS_A_DIRECTORY, target.guestPath() + " is a directory");
            }
            try (SecureDirectoryStream<Path> parent = NoFollowWalk.openDirectory(target.grant().host(), target.parentNames())) {
                Optional<BasicFileAttributes> attributes = NoFollowWalk.attributes(parent, target.fileName());
                if (attributes.isPresent() && attributes.get().isDirectory()) {
                    throw new HostCallException(ErrorType.IS_A_DIRECTORY, target.guestPath() + " is a directory");
                }
                try (SeekableByteChannel file = NoFollowWalk.openFile(parent, target.fileName(), Set.of(StandardOpenOption.READ))) {
                    ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
                    reply.put("text", StandardCharsets.UTF_8.newDecoder().decode(readAtMost(target, file)).toString());
                    return reply;
                }
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
                throw new HostCallException(ErrorType.BAD_REQUEST, "file.write needs a string \"text\" field");
            }
            if (target.grant().readOnly()) {
                throw new HostCallException(ErrorType.NOT_ALLOWED, target.guestPath() + " is in " + target.grant().guest() + ", which is granted read-only");
            }
            if (target.names().isEmpty()) {
                throw new HostCallException(ErrorType.IS_A_DIRECTORY, target.guestPath() + " is a directory");
            }
            ByteBuffer bytes = ByteBuffer.wrap(text.asText().getBytes(StandardCharsets.UTF_8));
            int length = bytes.remaining();
            if (!quota.fits(length)) {
                throw new HostCallException(ErrorType.LIMIT_EXCEEDED, target.guestPath() + ": " + quota.describe());
            }
            try (SecureDirectoryStream<Path> parent = NoFollowWalk.openDirectory(target.grant().host(), target.parentNames())) {
                Optional<BasicFileAttributes> attributes = NoFollowWalk.attributes(parent, target.fileName());
                if (attributes.isPresent() && attributes.get().isDirectory()) {
                    throw new HostCallException(ErrorType.IS_A_DIRECTORY, target.guestPath() + " is a directory");
                }
                try (SeekableByteChannel file = NoFollowWalk.openFile(parent, target.fileName(), Set.of(StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))) {
                    while (bytes.hasRemaining()) {
                        file.write(bytes);
                    }
                } finally {
                    quota.add(length - bytes.remaining());
                }
            } catch (IOException e) {
                throw ioError(target, e);
            }
            return HostCallDispatcher.JSON.createObjectNode();
        };
    }

    HostCallDispatcher.Operation list() {
        return request -> {
            Target target = resolve(request);
            List<String> names = new ArrayList<>();
            try (SecureDirectoryStream<Path> directory = NoFollowWalk.openDirectory(target.grant().host(), target.names())) {
                for (Path entry : directory) {
                    names.add(entry.getFileName().toString());
                }
            } catch (IOException | DirectoryIteratorException e) {
                throw ioError(target, e instanceof DirectoryIteratorException d ? d.getCause() : (IOException) e);
            }
            names.sort(null);
            ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
            ArrayNode array = reply.putArray("entries");
            names.forEach(array::add);
            return reply;
        };
    }

    private static ByteBuffer readAtMost(Target target, SeekableByteChannel file) throws IOException, HostCallException {
        if (file.size() > MAX_READ_BYTES) {
            throw new HostCallException(ErrorType.TOO_LARGE, target.guestPath() + " is larger than " + MAX_READ_BYTES + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) file.size() + 1);
        while (file.read(buffer) > 0) {
            if (!buffer.hasRemaining()) {
                if (buffer.capacity() > MAX_READ_BYTES) {
                    throw new HostCallException(ErrorType.TOO_LARGE, target.guestPath() + " is larger than " + MAX_READ_BYTES + " bytes");
                }
                buffer = ByteBuffer.allocate((int) Math.min(MAX_READ_BYTES + 1, buffer.capacity() * 2L)).put(buffer.flip());
            }
        }
        return buffer.flip();
    }

    private Target resolve(JsonNode request) throws HostCallException {
        JsonNode path = request.get("path");
        if (path == null || !path.isTextual() || path.asText().isEmpty() || path.asText().indexOf('\0') >= 0) {
            throw new HostCallException(ErrorType.BAD_REQUEST, request.path("op").asText() + " needs a string \"path\" field");
        }
        Path guest = Path.of("/").resolve(path.asText()).normalize();
        Optional<Grant> grant = grants.stream().filter(g -> guest.startsWith(g.guest())).findFirst();
        if (grant.isEmpty()) {
            throw new HostCallException(ErrorType.NOT_ALLOWED, path.asText() + " is outside the directories granted to this task"
                    + (grants.isEmpty() ? " (none)" : " (" + String.join(", ", grants.stream().map(g -> g.guest().toString()).toList()) + ")"));
        }
        List<String> names = new ArrayList<>();
        for (Path name : grant.get().guest().relativize(guest)) {
            if (!name.toString().isEmpty()) {
                names.add(name.toString());
            }
        }
        return new Target(grant.get(), List.copyOf(names), guest.toString());
    }

    private static HostCallException ioError(Target target, IOException e) {
        if (e instanceof NoFollowWalk.SymlinkException) {
            return new HostCallException(ErrorType.NOT_ALLOWED, target.guestPath() + " goes through a symlink (" + e.getMessage()
                    + "), which file.* never follows");
        }
        if (e instanceof NoSuchFileException) {
            return new HostCallException(ErrorType.NOT_FOUND, "no such file or directory: " + target.guestPath());
        }
        if (e instanceof NotDirectoryException) {
            return new HostCallException(ErrorType.NOT_A_DIRECTORY, target.guestPath() + " is not a directory");
        }
        return new HostCallException(ErrorType.IO_ERROR, target.guestPath() + ": " + e.getClass().getSimpleName()
                + (e.getMessage() != null ? " " + e.getMessage().replace(target.grant().host().toString(), target.grant().guest().toString()) : ""));
    }
}
