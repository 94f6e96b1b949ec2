package run.capsule.engine.execution;

import run.capsule.engine.pool.RunnerProcess;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.store.TaskStatus;

/** What an attempt's runner may ask the engine beyond steps (child tasks), and who hears that a task ended. */
public interface AttemptCalls {
    /** The message of an attempt suspended while its children run (journaled as its error message). */
    String SUSPENDED_WAITING = "suspended while its child tasks run";

    RunnerProcess.CallHandler forAttempt(String taskId, int attemptNo, TaskSpec spec);

    void taskEnded(String taskId, TaskStatus status);
}
