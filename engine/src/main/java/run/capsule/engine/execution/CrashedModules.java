package run.capsule.engine.execution;

import run.capsule.store.ModuleStore;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Modules whose compilation killed a runner. One death while compiling may be an outside kill; after
 * {@link #CRASHES_TO_REFUSE} the module is refused at once instead of crashing runners in a loop.
 */
public interface CrashedModules {
    int CRASHES_TO_REFUSE = 2;

    boolean refused(String sha256);

    /** Records a runner's death while compiling the module; returns whether the module is now refused. */
    boolean crashed(String sha256, String reason);

    /** Remembered by this engine only. */
    static CrashedModules inMemory() {
        Map<String, Integer> crashes = new ConcurrentHashMap<>();
        return new CrashedModules() {
            @Override
            public boolean refused(String sha256) {
                return crashes.getOrDefault(sha256, 0) >= CRASHES_TO_REFUSE;
            }

            @Override
            public boolean crashed(String sha256, String reason) {
                return crashes.merge(sha256, 1, Integer::sum) >= CRASHES_TO_REFUSE;
            }
        };
    }

    /** Remembered in the journal ({@code crashed_modules}), so every node and every restart knows. */
    static CrashedModules journaled(ModuleStore modules) {
        Set<String> known = ConcurrentHashMap.newKeySet();
        // A module found not refused is not asked about again for a few seconds (one query less per attempt); a
        // refusal recorded meanwhile by another node may cost that node's peers one more crashed runner.
        Map<String, Long> clearUntil = new ConcurrentHashMap<>();
        long clearNanos = TimeUnit.SECONDS.toNanos(10);
        return new CrashedModules() {
            @Override
            public boolean refused(String sha256) {
                if (known.contains(sha256)) {
                    return true;
                }
                Long until = clearUntil.get(sha256);
                if (until != null && until - System.nanoTime() > 0) {
                    return false;
                }
                boolean refused = modules.compilerCrashes(sha256) >= CRASHES_TO_REFUSE;
                if (refused) {
                    known.add(sha256);
                } else {
                    if (clearUntil.size() > 10_000) {
                        clearUntil.clear();
                    }
                    clearUntil.put(sha256, System.nanoTime() + clearNanos);
                }
                return refused;
            }

            @Override
            public boolean crashed(String sha256, String reason) {
                clearUntil.remove(sha256);
                if (!modules.contains(sha256)) {
                    // a language's interpreter (Capsule's own, not journaled): a runner killed from outside while it
                    // compiled is no reason to refuse every Python or JavaScript task; the attempt fails as runner_crashed
                    return false;
                }
                boolean refused = modules.recordCompilerCrash(sha256, reason) >= CRASHES_TO_REFUSE;
                if (refused) {
                    known.add(sha256);
                }
                return refused;
            }
        };
    }
}
