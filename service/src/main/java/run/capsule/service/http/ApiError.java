package run.capsule.service.http;

import run.capsule.protocol.ErrorType;
/** A request refused with an HTTP status and a JSON error {@code {"error_type", "message"}} (docs/api.md). */
public class ApiError extends RuntimeException {
    private final int status;
    private final ErrorType errorType;

    public ApiError(int status, ErrorType errorType, String message) {
        super(message, null, false, false);
        this.status = status;
        this.errorType = errorType;
    }

    public static ApiError invalid(String message) {
        return new ApiError(400, ErrorType.INVALID_INPUT, message);
    }

    public static ApiError forbidden(String message) {
        return new ApiError(403, ErrorType.FORBIDDEN, message);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, ErrorType.NOT_FOUND, message);
    }

    public static ApiError conflict(String message) {
        return new ApiError(409, ErrorType.CONFLICT, message);
    }

    public int status() {
        return status;
    }

    public ErrorType errorType() {
        return errorType;
    }
}
