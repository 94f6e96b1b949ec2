package run.capsule.runner.wasm;

import java.util.Optional;

/**
 * Which imports the sandbox provides: WASI preview1 functions and Capsule's {@code capsule.host_call}, nothing
 * else. The older {@code wasi_unstable} namespace that the binding also links is refused on purpose (it would
 * bypass interception of preview1).
 */
public final class ImportPolicy {
    private ImportPolicy() {
    }

    /** The reason the module cannot be run, naming the first import the sandbox does not provide. */
    public static Optional<String> check(String source, ModuleInfo info) {
        for (ModuleInfo.Import imp : info.imports()) {
            boolean provided = imp.kind() == ModuleInfo.Kind.FUNC
                    && (imp.module().equals(WasiPreview1.MODULE) && WasiPreview1.FUNCTIONS.contains(imp.name())
                        || HostCallImport.is(imp.module(), imp.name()));
            if (!provided) {
                return Optional.of(source + " imports " + imp + " (" + imp.kind().name().toLowerCase()
                        + "), which the sandbox does not provide; only " + WasiPreview1.MODULE + " functions and "
                        + HostCallImport.MODULE + "." + HostCallImport.NAME + " are available");
            }
        }
        if (!info.exportsFunction("_start")) {
            return Optional.of(source + " exports no _start function; Capsule runs WASI command modules");
        }
        return Optional.empty();
    }
}
