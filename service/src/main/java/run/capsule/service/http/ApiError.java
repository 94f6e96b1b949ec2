package run.capsule.service.http;

/** A request refused with an HTTP status and a JSON error {@code {"error_type", "message"}} (docs/api.md). */
public class ApiError extends RuntimeException {
    private final int status;
    private final String errorType;

    public ApiError(int status, String errorType, String message) {
        super(message, null, false, false);
        this.status = status;
        this.errorType = errorType;
    }

    public static ApiError invalid(String message) {
        return new ApiError(400, "invalid_input", message);
    }

    public static ApiError forbidden(String message) {
        return new ApiError(403, "forbidden", message);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message);
    }

    public static ApiError conflict(String message) {
        return new ApiError(409, "conflict", message);
    }

    public int status() {
        return status;
    }

    public String errorType() {
        return errorType;
    }
}
