package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import run.capsule.runner.host.GrantedPaths.Target;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code file.stat}, {@code file.mkdir}, {@code file.remove} and {@code file.rename} ops, on the same grants and
 * with the same rule as {@link FileGateway}: every name is reached from the grant's directory through open handles
 * without following a symlink ({@link NoFollowWalk}); a change in a read-only grant is {@code read_only}; the grant's
 * own directory cannot be removed or renamed.
 */
final class FileChanges {
    private final GrantedPaths paths;

    FileChanges(GrantedPaths paths) {
        this.paths = paths;
    }

    /** {@code {path}} → {@code {type: "file"|"directory"|"symlink"|"other", size, mtimeMs, birthtimeMs}}; a symlink as the
     * last name is described, never followed; one on the way to it is refused. */
    HostCallDispatcher.Operation stat() {
        return request -> {
            Target target = paths.resolve(request, "path");
            try {
                BasicFileAttributes attributes;
                if (target.isGrantRoot()) {
                    try (SecureDirectoryStream<Path> root = NoFollowWalk.openDirectory(target.grant().host(), List.of())) {
                        attributes = root.getFileAttributeView(BasicFileAttributeView.class).readAttributes();
                    }
                } else {
                    try (SecureDirectoryStream<Path> parent = NoFollowWalk.openDirectory(target.grant().host(), target.parentNames())) {
                        Optional<BasicFileAttributes> found = NoFollowWalk.attributes(parent, target.fileName());
                        if (found.isEmpty()) {
                            throw new NoSuchFileException(target.guestPath());
                        }
                        attributes = found.get();
                    }
                }
                ObjectNode reply = HostCallDispatcher.JSON.createObjectNode();
                reply.put("type", attributes.isSymbolicLink() ? "symlink" : attributes.isDirectory() ? "directory"
                        : attributes.isRegularFile() ? "file" : "other");
                reply.put("size", attributes.size());
                reply.put("mtimeMs", attributes.lastModifiedTime().toMillis());
                reply.put("birthtimeMs", attributes.creationTime().toMillis());
                return reply;
            } catch (IOException e) {
                throw GrantedPaths.ioError(target, e);
            }
        };
    }

    /**
     * {@code {path, recursive}}: creates a directory; with {@code recursive} its missing parents too, and an existing
     * directory is no error. Java cannot create a directory relative to a handle, so each one is created by its host
     * path after the walk to its parent found no symlink, then opened again without following one.
     */
    HostCallDispatcher.Operation mkdir() {
        return request -> {
            Target target = paths.resolve(request, "path");
            boolean recursive = request.path("recursive").asBoolean(false);
            target.requireWritable();
            if (target.isGrantRoot()) {
                if (recursive) {
                    return HostCallDispatcher.JSON.createObjectNode();
                }
                throw new HostCallException(ErrorType.ALREADY_EXISTS, target.guestPath() + " already exists");
            }
            SecureDirectoryStream<Path> directory = null;
            try {
                directory = NoFollowWalk.openDirectory(target.grant().host(), List.of());
                Path hostPath = target.grant().host();
                for (int i = 0; i < target.names().size(); i++) {
                    String name = target.names().get(i);
                    boolean last = i == target.names().size() - 1;
                    hostPath = hostPath.resolve(name);
                    Optional<BasicFileAttributes> found = NoFollowWalk.attributes(directory, name);
                    if (found.isEmpty()) {
                        if (!last && !recursive) {
                            throw new NoSuchFileException(target.guestPath());
                        }
                        Files.createDirectory(hostPath);
                    } else if (last && !recursive) {
                        throw new FileAlreadyExistsException(target.guestPath());
                    } else if (found.get().isRegularFile()) {
                        throw last ? new FileAlreadyExistsException(target.guestPath()) : new NotDirectoryException(target.guestPath());
                    }
                    SecureDirectoryStream<Path> next = NoFollowWalk.openChildDirectory(directory, name);
                    directory.close();
                    directory = next;
                }
                return HostCallDispatcher.JSON.createObjectNode();
            } catch (IOException e) {
                throw GrantedPaths.ioError(target, e);
            } finally {
                closeQuietly(directory);
            }
        };
    }

    /**
     * {@code {path, recursive}}: removes a file, a symlink (never what it points to) or an empty directory; with
     * {@code recursive} a directory and everything in it.
     */
    HostCallDispatcher.Operation remove() {
        return request -> {
            Target target = paths.resolve(request, "path");
            boolean recursive = request.path("recursive").asBoolean(false);
            target.requireWritable();
            if (target.isGrantRoot()) {
                throw new HostCallException(ErrorType.NOT_ALLOWED, target.guestPath() + " is a granted directory, which a task cannot remove");
            }
            try (SecureDirectoryStream<Path> parent = NoFollowWalk.openDirectory(target.grant().host(), target.parentNames())) {
                Optional<BasicFileAttributes> found = NoFollowWalk.attributes(parent, target.fileName());
                if (found.isEmpty()) {
                    throw new NoSuchFileException(target.guestPath());
                }
                if (found.get().isDirectory()) {
                    if (recursive) {
                        try (SecureDirectoryStream<Path> directory = NoFollowWalk.openChildDirectory(parent, target.fileName())) {
                            emptyDirectory(directory);
                        }
                    }
                    parent.deleteDirectory(Path.of(target.fileName()));
                } else {
                    parent.deleteFile(Path.of(target.fileName()));
                }
                return HostCallDispatcher.JSON.createObjectNode();
            } catch (IOException e) {
                throw GrantedPaths.ioError(target, e);
            } catch (DirectoryIteratorException e) {
                throw GrantedPaths.ioError(target, e.getCause());
            }
        };
    }

    /** {@code {from, to}}: renames within one grant, replacing a file at {@code to}; across grants {@code cross_grant}. */
    HostCallDispatcher.Operation rename() {
        return request -> {
            Target from = paths.resolve(request, "from");
            Target to = paths.resolve(request, "to");
            from.requireWritable();
            to.requireWritable();
            if (from.isGrantRoot() || to.isGrantRoot()) {
                throw new HostCallException(ErrorType.NOT_ALLOWED, (from.isGrantRoot() ? from : to).guestPath()
                        + " is a granted directory, which a task cannot rename or replace");
            }
            if (!from.grant().equals(to.grant())) {
                throw new HostCallException(ErrorType.CROSS_GRANT, "cannot rename " + from.guestPath() + " to " + to.guestPath()
                        + ": they are in different granted directories");
            }
            try (SecureDirectoryStream<Path> source = NoFollowWalk.openDirectory(from.grant().host(), from.parentNames());
                 SecureDirectoryStream<Path> destination = NoFollowWalk.openDirectory(to.grant().host(), to.parentNames())) {
                Optional<BasicFileAttributes> found = NoFollowWalk.attributes(source, from.fileName());
                if (found.isEmpty()) {
                    throw GrantedPaths.ioError(from, new NoSuchFileException(from.guestPath()));
                }
                if (found.get().isSymbolicLink()) {
                    throw GrantedPaths.ioError(from, new NoFollowWalk.SymlinkException(from.fileName()));
                }
                source.move(Path.of(from.fileName()), destination, Path.of(to.fileName()));
                return HostCallDispatcher.JSON.createObjectNode();
            } catch (IOException e) {
                throw GrantedPaths.ioError(to, e);
            }
        };
    }

    private static void emptyDirectory(SecureDirectoryStream<Path> directory) throws IOException {
        List<String> names = new ArrayList<>();
        for (Path entry : directory) {
            names.add(entry.getFileName().toString());
        }
        for (String name : names) {
            Optional<BasicFileAttributes> found = NoFollowWalk.attributes(directory, name);
            if (found.isPresent() && found.get().isDirectory()) {
                try (SecureDirectoryStream<Path> child = NoFollowWalk.openChildDirectory(directory, name)) {
                    emptyDirectory(child);
                }
                directory.deleteDirectory(Path.of(name));
            } else if (found.isPresent()) {
                directory.deleteFile(Path.of(name));
            }
        }
    }

    private static void closeQuietly(SecureDirectoryStream<Path> directory) {
        if (directory != null) {
            try {
                directory.close();
            } catch (IOException ignored) {
                // nothing was written through it
            }
        }
    }
}
