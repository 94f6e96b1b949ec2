package run.capsule.store;

/** Rows a prune deleted (or, in a dry run, would delete). */
public record PruneCounts(long tasks, long attempts, long events, long steps, long hostRequests, long modules) {
    public static final PruneCounts NONE = new PruneCounts(0, 0, 0, 0, 0, 0);

    public PruneCounts plus(PruneCounts o) {
        return new PruneCounts(tasks + o.tasks, attempts + o.attempts, events + o.events, steps + o.steps,
                hostRequests + o.hostRequests, modules + o.modules);
    }
}
