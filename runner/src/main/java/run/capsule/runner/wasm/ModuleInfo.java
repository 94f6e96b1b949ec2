package run.capsule.runner.wasm;

import java.util.List;

/** What a structural read of a module's binary found: its imports and exports. */
public record ModuleInfo(List<Import> imports, List<Export> exports) {

    public enum Kind { FUNC, TABLE, MEMORY, GLOBAL }

    public record Import(String module, String name, Kind kind) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    public record Export(String name, Kind kind) {
    }

    public boolean exportsFunction(String name) {
        return exports.stream().anyMatch(e -> e.kind() == Kind.FUNC && e.name().equals(name));
    }
}
