package run.capsule.runner.host;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.databind.JsonNode;
import run.capsule.protocol.Mount;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Resolves a guest path of a {@code file.*} request to the mount with the longest matching guest path and the names
 * below its host directory (after normalising, so no {@code ..} is left), and turns I/O failures into the host-call
 * errors the guest sees, with host paths replaced by guest paths.
 */
final class GrantedPaths {
    record Grant(Path guest, Path host, boolean readOnly) {
    }

    /** {@code names}: the path below the grant's directory, one name per component (never {@code .} or {@code ..}). */
    record Target(Grant grant, List<String> names, String guestPath) {
        List<String> parentNames() {
            return names.subList(0, names.size() - 1);
        }

        String fileName() {
            return names.get(names.size() - 1);
        }

        boolean isGrantRoot() {
            return names.isEmpty();
        }

        void requireWritable() throws HostCallException {
            if (grant.readOnly()) {
                throw new HostCallException(ErrorType.READ_ONLY, guestPath + " is in " + grant.guest() + ", which is granted read-only");
            }
        }
    }

    private final List<Grant> grants;

    GrantedPaths(List<Mount> mounts) {
        List<Grant> list = new ArrayList<>();
        for (Mount mount : mounts) {
            list.add(new Grant(Path.of("/").resolve(mount.guestPath()).normalize(), Path.of(mount.hostPath()), mount.readOnly()));
        }
        list.sort(Comparator.comparingInt((Grant g) -> g.guest().getNameCount()).reversed());
        this.grants = List.copyOf(list);
    }

    /** The target of the request's string field {@code field}. */
    Target resolve(JsonNode request, String field) throws HostCallException {
        JsonNode path = request.get(field);
        if (path == null || !path.isTextual() || path.asText().isEmpty() || path.asText().indexOf('\0') >= 0) {
            throw new HostCallException(ErrorType.BAD_REQUEST, request.path("op").asText() + " needs a string \"" + field + "\" field");
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

    static HostCallException ioError(Target target, IOException e) {
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
        if (e instanceof FileAlreadyExistsException) {
            return new HostCallException(ErrorType.ALREADY_EXISTS, target.guestPath() + " already exists");
        }
        if (e instanceof DirectoryNotEmptyException) {
            return new HostCallException(ErrorType.NOT_EMPTY, target.guestPath() + " is a directory that is not empty");
        }
        if (e instanceof AccessDeniedException) {
            return new HostCallException(ErrorType.NOT_ALLOWED, target.guestPath() + ": permission denied on the host");
        }
        return new HostCallException(ErrorType.IO_ERROR, target.guestPath() + ": " + e.getClass().getSimpleName()
                + (e.getMessage() != null ? " " + e.getMessage().replace(target.grant().host().toString(), target.grant().guest().toString()) : ""));
    }
}
