package run.capsule.runner.host;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Opens files and directories below a granted directory one name at a time, each relative to the directory already
 * open ({@code openat}) and without following a symlink ({@code O_NOFOLLOW}). Checking a real path and then opening it
 * by name would race with a guest that swaps a directory for a symlink in between; walking open handles does not.
 */
final class NoFollowWalk {
    /** A name on the way is a symlink (or became one while it was being opened). */
    static final class SymlinkException extends IOException {
        SymlinkException(String name) {
            super(name + " is a symlink", null);
        }
    }

    private NoFollowWalk() {
    }

    /** The directory reached from {@code root} through {@code names} (single names, none {@code .} or {@code ..}). */
    static SecureDirectoryStream<Path> openDirectory(Path root, List<String> names) throws IOException {
        SecureDirectoryStream<Path> directory = openRoot(root);
        try {
            for (String name : names) {
                SecureDirectoryStream<Path> next = openChildDirectory(directory, name);
                directory.close();
                directory = next;
            }
            return directory;
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    /** What {@code name} in {@code directory} is, not following a symlink; empty if it does not exist. */
    static Optional<BasicFileAttributes> attributes(SecureDirectoryStream<Path> directory, String name) throws IOException {
        try {
            return Optional.of(directory.getFileAttributeView(Path.of(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    static SecureDirectoryStream<Path> openChildDirectory(SecureDirectoryStream<Path> directory, String name) throws IOException {
        refuseSymlink(directory, name);
        try {
            return directory.newDirectoryStream(Path.of(name), LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
            throw symlinkOr(directory, name, e);
        }
    }

    /** Opens the file {@code name} in {@code directory} with {@code options} plus {@code NOFOLLOW_LINKS}. */
    static SeekableByteChannel openFile(SecureDirectoryStream<Path> directory, String name, Set<? extends OpenOption> options)
            throws IOException {
        refuseSymlink(directory, name);
        Set<OpenOption> noFollow = new HashSet<>(options);
        noFollow.add(LinkOption.NOFOLLOW_LINKS);
        try {
            return directory.newByteChannel(Path.of(name), noFollow);
        } catch (FileSystemException e) {
            throw symlinkOr(directory, name, e);
        }
    }

    private static SecureDirectoryStream<Path> openRoot(Path root) throws IOException {
        DirectoryStream<Path> stream = Files.newDirectoryStream(GrantRoots.requireUnlinked(root));
        if (stream instanceof SecureDirectoryStream<Path> secure) {
            return secure;
        }
        stream.close();
        throw new IOException("this platform cannot open a file relative to a directory handle (no SecureDirectoryStream)");
    }

    private static void refuseSymlink(SecureDirectoryStream<Path> directory, String name) throws IOException {
        Optional<BasicFileAttributes> attributes = attributes(directory, name);
        if (attributes.isPresent() && attributes.get().isSymbolicLink()) {
            throw new SymlinkException(name);
        }
    }

    /** O_NOFOLLOW on a symlink fails with ELOOP, which Java reports as a plain FileSystemException. */
    private static IOException symlinkOr(SecureDirectoryStream<Path> directory, String name, FileSystemException e) {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException || e instanceof AccessDeniedException) {
            return e;
        }
        if (e.getReason() != null && e.getReason().contains("symbolic link")) {
            return new SymlinkException(name);
        }
        try {
            refuseSymlink(directory, name);
        } catch (IOException symlink) {
            return symlink;
        }
        return e;
    }
}
