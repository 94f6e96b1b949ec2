package run.capsule.engine;

import run.capsule.store.ModuleStore;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Modules whose compilation killed a runner: refused at once afterwards instead of crashing runners in a loop. */
interface CrashedModules {
    boolean contains(String sha256);

    void add(String sha256, String reason);

    /** Remembered by this engine only. */
    static CrashedModules inMemory() {
        Set<String> known = ConcurrentHashMap.newKeySet();
        return new CrashedModules() {
            @Override
            public boolean contains(String sha256) {
                return known.contains(sha256);
            }

            @Override
            public void add(String sha256, String reason) {
                known.add(sha256);
            }
        };
    }

    /** Remembered in the journal ({@code crashed_modules}), so every node and every restart knows. */
    static CrashedModules journaled(ModuleStore modules) {
        Set<String> known = ConcurrentHashMap.newKeySet();
        return new CrashedModules() {
            @Override
            public boolean contains(String sha256) {
                if (known.contains(sha256)) {
                    return true;
                }
                boolean crashed = modules.crashedCompiler(sha256);
                if (crashed) {
                    known.add(sha256);
                }
                return crashed;
            }

            @Override
            public void add(String sha256, String reason) {
                known.add(sha256);
                modules.markCrashedCompiler(sha256, reason);
            }
        };
    }
}
