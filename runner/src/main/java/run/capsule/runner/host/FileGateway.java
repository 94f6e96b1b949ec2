package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.protocol.Mount;
import run.capsule.runner.host.GrantedPaths.Target;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code file.read}, {@code file.write} and {@code file.list} ops: files in the attempt's granted directories
 * (its mounts), named by their path inside the sandbox, for guests that reach files through the host-call channel
 * (JavaScript). A path resolves through {@link GrantedPaths}; it is opened from the mount's directory one name at a
 * time through {@link NoFollowWalk}: a symlink anywhere on the way is refused, and a guest swapping a directory for a
 * symlink meanwhile cannot redirect the open. Writes to read-only mounts are refused; writes count against the
 * attempt's {@link WriteQuota}. Contents travel as UTF-8 text, or as base64 ({@code "encoding": "base64"} to read, a
 * {@code "base64"} field to write) for bytes that are not text.
 */
final class FileGateway {
    static final long MAX_READ_BYTES = 4L * 1024 * 1024;

    private final GrantedPaths paths;
    private final WriteQuota quota;

    FileGateway(List<Mount> mounts) {
        this(mounts, new WriteQuota(WriteQuota.DEFAULT_BYTES));
    }

    FileGateway(List<Mount> mounts, WriteQuota quota) {
        this.quota = quota;
        this.paths = new GrantedPaths(mounts);
    }

    GrantedPaths paths() {
        return paths;
    }

    HostCallDispatcher.Operation read() {
        return request -> {
            Target target = paths.resolve(request, "path");
            boolean base64 = encoding(request);
            if (target.isGrantRoot()) {
                throw new HostCallException(ErrorType.IS_A_DIRECTORY, target.guestPath() + " is a directory");
            }
            try (SecureDirectoryStream<Path> parent = NoFollowWalk.openDirectory(target.grant().host(), target.parentNames())) {
                Optional<BasicFileAttributes> attributes = NoFollowWalk.attributes(parent, target.fileName());
                if (attributes.isPresent() && attributes.get().isDirectory()) {
                    throw new HostCallException(ErrorType.IS_A_DIRECTORY, target.guestPath() + " is a directory");
                }
                try (SeekableByteChannel file = NoFollowWalk.openFile(parent, target.fileName(), Set.of(StandardOpenOption.READ))) {
                    ByteBuffer bytes = readAtMost(target, file);
                    ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
                    if (base64) {
                        byte[] array = new byte[bytes.remaining()];
                        bytes.get(array);
                        reply.put("base64", Base64.getEncoder().encodeToString(array));
                    } else {
                        reply.put("text", StandardCharsets.UTF_8.newDecoder().decode(bytes).toString());
                    }
                    return reply;
                }
            } catch (IOException e) {
                throw GrantedPaths.ioError(target, e);
            }
        };
    }

    HostCallDispatcher.Operation write() {
        return request -> {
            Target target = paths.resolve(request, "path");
            ByteBuffer bytes = ByteBuffer.wrap(contents(request));
            boolean append = request.path("append").asBoolean(false);
            target.requireWritable();
            if (target.isGrantRoot()) {
                throw new HostCallException(ErrorType.IS_A_DIRECTORY, target.guestPath() + " is a directory");
            }
            int length = bytes.remaining();
            if (!quota.fits(length)) {
                throw new HostCallException(ErrorType.LIMIT_EXCEEDED, target.guestPath() + ": " + quota.describe());
            }
            try (SecureDirectoryStream<Path> parent = NoFollowWalk.openDirectory(target.grant().host(), target.parentNames())) {
                Optional<BasicFileAttributes> attributes = NoFollowWalk.attributes(parent, target.fileName());
                if (attributes.isPresent() && attributes.get().isDirectory()) {
                    throw new HostCallException(ErrorType.IS_A_DIRECTORY, target.guestPath() + " is a directory");
                }
                Set<OpenOption> options = append
                        ? Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)
                        : Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                try (SeekableByteChannel file = NoFollowWalk.openFile(parent, target.fileName(), options)) {
                    while (bytes.hasRemaining()) {
                        file.write(bytes);
                    }
                } finally {
                    quota.add(length - bytes.remaining());
                }
            } catch (IOException e) {
                throw GrantedPaths.ioError(target, e);
            }
            return HostCallDispatcher.JSON.createObjectNode();
        };
    }

    HostCallDispatcher.Operation list() {
        return request -> {
            Target target = paths.resolve(request, "path");
            List<String> names = new ArrayList<>();
            try (SecureDirectoryStream<Path> directory = NoFollowWalk.openDirectory(target.grant().host(), target.names())) {
                for (Path entry : directory) {
                    names.add(entry.getFileName().toString());
                }
            } catch (IOException | DirectoryIteratorException e) {
                throw GrantedPaths.ioError(target, e instanceof DirectoryIteratorException d ? d.getCause() : (IOException) e);
            }
            names.sort(null);
            ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
            ArrayNode array = reply.putArray("entries");
            names.forEach(array::add);
            return reply;
        };
    }

    private static boolean encoding(JsonNode request) throws HostCallException {
        JsonNode encoding = request.get("encoding");
        if (encoding == null || encoding.isNull() || encoding.asText().equals("utf8")) {
            return false;
        }
        if (encoding.asText().equals("base64")) {
            return true;
        }
        throw new HostCallException(ErrorType.BAD_REQUEST, "file.read: \"encoding\" must be \"utf8\" or \"base64\", not " + encoding);
    }

    private static byte[] contents(JsonNode request) throws HostCallException {
        JsonNode text = request.get("text");
        JsonNode base64 = request.get("base64");
        if (text != null && text.isTextual() && base64 == null) {
            return text.asText().getBytes(StandardCharsets.UTF_8);
        }
        if (base64 != null && base64.isTextual() && text == null) {
            try {
                return Base64.getDecoder().decode(base64.asText());
            } catch (IllegalArgumentException e) {
                throw new HostCallException(ErrorType.BAD_REQUEST, "file.write: \"base64\" is not valid base64");
            }
        }
        throw new HostCallException(ErrorType.BAD_REQUEST, "file.write needs a string \"text\" field or a string \"base64\" field");
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
}
