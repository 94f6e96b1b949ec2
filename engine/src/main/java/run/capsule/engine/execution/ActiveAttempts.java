package run.capsule.engine.execution;

import run.capsule.engine.pool.RunnerProcess;
import run.capsule.store.Claim;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The attempts this node is running, with the runner holding each, so one can be stopped. */
public final class ActiveAttempts {
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final Map<String, RunnerProcess> runners = new ConcurrentHashMap<>();
    private final Set<String> stopping = ConcurrentHashMap.newKeySet();

    void started(Claim claim) {
        attempts.put(claim.taskId(), claim.attemptNo());
    }

    void dispatched(String taskId, RunnerProcess runner) {
        runners.put(taskId, runner);
        if (stopping.contains(taskId)) {
            runner.stop();
        }
    }

    void finished(String taskId) {
        attempts.remove(taskId);
        runners.remove(taskId);
        stopping.remove(taskId);
    }

    /** Kills the runner of the task's attempt (now, or as soon as it is dispatched). */
    public void stop(String taskId) {
        if (!attempts.containsKey(taskId)) {
            return;
        }
        stopping.add(taskId);
        RunnerProcess runner = runners.get(taskId);
        if (runner != null) {
            runner.stop();
        }
    }

    /** Kills the runner of the task's attempt {@code attemptNo} only: a later attempt of the same task here is left alone. */
    public void stop(String taskId, int attemptNo) {
        Integer running = attempts.get(taskId);
        if (running != null && running == attemptNo) {
            stop(taskId);
        }
    }

    boolean isStopping(String taskId) {
        return stopping.contains(taskId);
    }

    public Map<String, Integer> snapshot() {
        return Map.copyOf(attempts);
    }

    public int size() {
        return attempts.size();
    }
}
