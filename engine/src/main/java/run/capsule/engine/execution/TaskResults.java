package run.capsule.engine.execution;

import run.capsule.store.AttemptRow;
import run.capsule.store.AttemptStatus;
import run.capsule.store.Journal;
import run.capsule.store.TaskRow;
import run.capsule.store.TaskStatus;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import run.capsule.engine.spec.TaskResult;

/** The JSON envelope of a finished task, as journaled (docs/cli.md). */
public final class TaskResults {
    private final Journal journal;

    public TaskResults(Journal journal) {
        this.journal = journal;
    }

    /** The envelope of a finished task, or empty while it is not finished (or unknown). */
    public Optional<TaskResult> of(String taskId) {
        Optional<TaskRow> row = journal.tasks().find(taskId);
        if (row.isEmpty() || !row.get().status().isFinal()) {
            return Optional.empty();
        }
        TaskRow task = row.get();
        List<AttemptRow> attemptRows = journal.tasks().attempts(taskId);
        AttemptRow last = attemptRows.isEmpty() ? null : attemptRows.get(attemptRows.size() - 1);
        long failed = attemptRows.stream().filter(a -> a.status() == AttemptStatus.FAILED).count();
        int retries = (int) (last != null && last.status() == AttemptStatus.FAILED ? failed - 1 : failed);
        long duration = Duration.between(task.createdAt(), task.updatedAt()).toMillis();
        TaskResult.Execution execution = new TaskResult.Execution(task.id(), task.name(), duration, Math.max(0, retries),
                last == null ? null : last.fuelConsumed(), last == null ? null : last.ramUsed(),
                last == null ? List.of() : HostRequests.toEnvelope(journal.tasks().hostRequests(taskId, last.attemptNo())));
        if (task.status() == TaskStatus.SUCCEEDED) {
            return Optional.of(new TaskResult(true, GuestResult.parse(task.resultJson()), null, execution));
        }
        return Optional.of(new TaskResult(false, null, new TaskResult.Error(task.errorType(), task.errorMessage()), execution));
    }
}
