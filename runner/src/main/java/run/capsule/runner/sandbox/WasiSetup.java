package run.capsule.runner.sandbox;

import io.github.kawamuray.wasmtime.wasi.DirCaps;
import io.github.kawamuray.wasmtime.wasi.FileCaps;
import io.github.kawamuray.wasmtime.wasi.WasiCtx;
import io.github.kawamuray.wasmtime.wasi.WasiCtxBuilder;
import run.capsule.protocol.Mount;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.host.GrantRoots;
import run.capsule.runner.host.WasiChannel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A guest's WASI context: its arguments, environment and stdout/stderr files, one preopened directory per grant with
 * read-only or read-write capabilities, and the host-call channel's directory when the attempt uses it.
 */
final class WasiSetup {
    private static final Set<DirCaps> READ_ONLY_DIR = EnumSet.of(
            DirCaps.OPEN, DirCaps.READDIR, DirCaps.PATH_FILESTAT_GET, DirCaps.FILESTAT_GET);
    private static final Set<FileCaps> READ_ONLY_FILE = EnumSet.of(
            FileCaps.READ, FileCaps.SEEK, FileCaps.TELL, FileCaps.FILESTAT_GET, FileCaps.FDSTAT_SET_FLAGS);
    private static final Set<DirCaps> READ_WRITE_DIR = EnumSet.complementOf(EnumSet.of(DirCaps.SYMLINK));
    /** Only for the start-up canary ({@link SymlinkCanary}): tasks never may create symlinks. */
    private static final Set<DirCaps> READ_WRITE_DIR_WITH_SYMLINKS = EnumSet.allOf(DirCaps.class);
    /** All but ALLOCATE: {@code fd_allocate} would reserve disk space past the write quota ({@link GrantWrites}). */
    private static final Set<FileCaps> READ_WRITE_FILE = EnumSet.complementOf(EnumSet.of(FileCaps.ALLOCATE));

    /** The context, and the fd of the host-call channel's directory, or -1 when the attempt has none. */
    record GuestWasi(WasiCtx ctx, int channelDirFd) {
    }

    private WasiSetup() {
    }

    /**
     * Builds the context. A JavaScript guest's stdout and stderr are written by its driver, and it gets no preopens:
     * it imports no WASI file functions, its grants are served by the file.* host calls.
     */
    static GuestWasi build(RunAttempt request, Path workDir, OutputFile stdout, OutputFile stderr, boolean javaScript,
                           boolean symlinkGrants) throws IOException {
        WasiCtxBuilder builder = new WasiCtxBuilder().arg(request.programName()).args(request.args());
        if (!javaScript) {
            builder.stdout(stdout.path()).stderr(stderr.path());
        }
        WasiCtx wasi = builder.build();
        request.env().forEach(wasi::pushEnv);
        int fd = 3;
        for (Mount mount : javaScript ? List.<Mount>of() : request.mounts()) {
            wasi.insertDir(fd++, GrantRoots.requireUnlinked(Path.of(mount.hostPath())),
                    mount.readOnly() ? READ_ONLY_DIR : symlinkGrants ? READ_WRITE_DIR_WITH_SYMLINKS : READ_WRITE_DIR,
                    mount.readOnly() ? READ_ONLY_FILE : READ_WRITE_FILE,
                    Path.of(mount.guestPath()));
        }
        int channelDirFd = -1;
        if (wantsWasiChannel(request)) {
            try {
                Path channelDir = Files.createDirectories(workDir.resolve("capsule-channel"));
                wasi.insertDir(fd, channelDir, READ_ONLY_DIR, READ_ONLY_FILE, Path.of(WasiChannel.GUEST_DIR));
                channelDirFd = fd;
            } catch (IOException e) {
                wasi.dispose();
                throw e;
            }
        }
        return new GuestWasi(wasi, channelDirFd);
    }

    /**
     * The WASI door to the host-call channel is set up only for attempts granted network hosts and for Python and
     * JavaScript tasks, whose guest libraries use it (roughly 2 ms each, estimated).
     */
    private static boolean wantsWasiChannel(RunAttempt request) {
        return (!request.allowedHosts().isEmpty() || request.program() != null && !GuestLaunch.runsJavaScript(request))
                && request.mounts().stream().noneMatch(m -> Path.of(m.guestPath()).normalize().equals(Path.of(WasiChannel.GUEST_DIR)));
    }
}
