package run.capsule.runner.sandbox;

import io.github.kawamuray.wasmtime.Disposable;
import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.Store;

import java.util.ArrayList;
import java.util.List;

/**
 * Owns one store and every binding object made for it (Linkers, Instances, Funcs, Memories, Modules), and disposes
 * them in the reverse order of their making, the store last. The binding has no finalizers and aborts the JVM when
 * an object outlives its store (docs in /work/shared/notes/wasmtime-java.md), so every object tied to a store is
 * handed to the scope the moment it exists and nothing of it is used after {@link #close()}.
 */
final class AttemptScope implements AutoCloseable {
    private final Store<Void> store;
    private final List<Disposable> owned = new ArrayList<>();

    /** Takes ownership of {@code store} (and of the WASI context it was made with). */
    AttemptScope(Store<Void> store) {
        this.store = store;
    }

    Store<Void> store() {
        return store;
    }

    <T extends Disposable> T own(T disposable) {
        owned.add(disposable);
        return disposable;
    }

    /** Owns the function, memory or global an extern wraps; returns the extern. */
    Extern own(Extern extern) {
        switch (extern.type()) {
            case FUNC -> owned.add(extern.func());
            case MEMORY -> owned.add(extern.memory());
            case TABLE -> {
                // wasmtime-java 0.19 has no native Table.dispose; the handle is left to the store
            }
            case GLOBAL -> owned.add(extern.global());
            default -> {
            }
        }
        return extern;
    }

    /** A host function in this store, owned by the scope. */
    Func func(FuncType type, Func.Handler<Void> handler) {
        return own(new Func(store, type, handler));
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).dispose();
        }
        owned.clear();
        store.dispose();
    }
}
