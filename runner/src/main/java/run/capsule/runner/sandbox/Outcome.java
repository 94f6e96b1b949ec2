package run.capsule.runner.sandbox;

import run.capsule.protocol.ErrorType;
import io.github.kawamuray.wasmtime.Trap;
import run.capsule.protocol.AttemptResult;
import run.capsule.protocol.RunAttempt;
import run.capsule.runner.host.GuestReport;
import run.capsule.runner.host.WriteQuota;


/** How an attempt ended, gathered while the store lives and turned into an error type afterwards. */
final class Outcome {
    Integer exitCode;
    Trap trap;
    Trap startupTrap;
    String hostError;
    /** A JavaScript driver's failure that is not a trap (QuickJS out of memory, a broken boot). */
    String guestFailure;
    String internalError;
    boolean deadlineHit;
    boolean fuelExhausted;
    boolean growthRefused;
    Long fuelConsumed;
    Long ramUsed;
    String errorType;
    String message;

    /** A Python or JavaScript guest's own account of its failure replaces "exited with code 1". */
    void apply(GuestReport report) {
        if (!report.hasError()) {
            return;
        }
        if (errorType == null || ErrorType.TASK_ERROR.is(errorType)) {
            errorType = ErrorType.TASK_ERROR.wireName();
            message = report.errorSummary();
        } else if (ErrorType.MEMORY_LIMIT.is(errorType)) {
            int after = message.indexOf(" after memory.grow");
            message = report.errorSummary() + (after >= 0 ? message.substring(after) : "");
        }
    }

    /** A failure after a write was refused for the quota is the quota's doing, whatever the guest made of ENOSPC. */
    void applyWriteQuota(WriteQuota quota) {
        if (quota.exceeded() && ErrorType.TASK_ERROR.is(errorType)) {
            errorType = ErrorType.LIMIT_EXCEEDED.wireName();
            message = quota.describe() + "; the task then failed: " + message;
        }
    }

    String trapName() {
        Trap t = trap != null ? trap : startupTrap;
        return t == null ? null : t.name();
    }

    void classify(long timeoutMs, long budget, long memoryLimitPages) {
        if (internalError != null) {
            errorType = ErrorType.INTERNAL_ERROR.wireName();
            message = internalError;
            return;
        }
        if (startupTrap != null) {
            errorType = ErrorType.TASK_ERROR.wireName();
            message = "trap during start-up: " + describe(startupTrap);
            return;
        }
        if (deadlineHit || trap == Trap.INTERRUPT) {
            errorType = ErrorType.TIMEOUT.wireName();
            message = "timed out after " + timeoutMs + " ms";
            return;
        }
        if (trap == Trap.UNREACHABLE_CODE_REACHED && fuelExhausted) {
            errorType = ErrorType.FUEL_EXHAUSTED.wireName();
            message = "ran out of fuel: used all " + budget + " units";
            return;
        }
        String failure;
        if (trap != null) {
            failure = "trap: " + describe(trap);
        } else if (hostError != null) {
            failure = "trap: " + hostError;
        } else if (guestFailure != null) {
            failure = guestFailure;
        } else if (exitCode != null && exitCode != 0) {
            failure = "exited with code " + exitCode;
        } else {
            return;
        }
        if (growthRefused) {
            errorType = ErrorType.MEMORY_LIMIT.wireName();
            long kib = memoryLimitPages * RunAttempt.PAGE_BYTES / 1024;
            message = failure + " after memory.grow was refused at the limit of " + memoryLimitPages + " pages ("
                    + (kib % 1024 == 0 ? kib / 1024 + " MiB" : kib + " KiB") + ")";
        } else {
            errorType = ErrorType.TASK_ERROR.wireName();
            message = failure;
        }
    }

    static String describe(Trap trap) {
        return switch (trap) {
            case STACK_OVERFLOW -> "call stack exhausted (stack overflow)";
            case MEMORY_OUT_OF_BOUNDS -> "out of bounds memory access";
            case HEAP_MISALIGNED -> "misaligned memory access";
            case TABLE_OUT_OF_BOUNDS -> "undefined element: out of bounds table access";
            case INDIRECT_CALL_TO_NULL -> "uninitialized element in indirect call";
            case BAD_SIGNATURE -> "indirect call type mismatch";
            case INTEGER_OVERFLOW -> "integer overflow";
            case INTEGER_DIVISION_BY_ZERO -> "integer divide by zero";
            case BAD_CONVERSION_TO_INTEGER -> "invalid conversion to integer";
            case UNREACHABLE_CODE_REACHED -> "unreachable executed";
            case INTERRUPT -> "interrupted";
            default -> trap.name().toLowerCase().replace('_', ' ');
        };
    }

    /** The first lines of a binding's message, without its backtrace: for a one-line error. */
    static String oneLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        String joined = String.join(": ", s.strip().lines().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("Caused by") && !line.matches("\\d+:.*")).limit(3).toList());
        return joined.length() > 500 ? joined.substring(0, 500) + "..." : joined;
    }

    /** An attempt that ended before its guest ran. */
    static AttemptResult failure(RunAttempt request, ErrorType errorType, String message, long startedNanos) {
        return new AttemptResult(request.attemptId(), null, null, errorType.wireName(), message, "", false, "", false, elapsedMs(startedNanos), null, null, false);
    }

    static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
