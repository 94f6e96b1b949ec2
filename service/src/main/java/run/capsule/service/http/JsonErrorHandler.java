package run.capsule.service.http;

import run.capsule.protocol.ErrorType;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/** Errors Jetty answers itself (a malformed request line, an ambiguous path, headers too large) as the API's JSON errors. */
public final class JsonErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        ErrorType type = switch (status) {
            case 400 -> ErrorType.INVALID_INPUT;
            case 401 -> ErrorType.UNAUTHORIZED;
            case 403 -> ErrorType.FORBIDDEN;
            case 404 -> ErrorType.NOT_FOUND;
            case 405 -> ErrorType.METHOD_NOT_ALLOWED;
            case 413, 414, 431 -> ErrorType.TOO_LARGE;
            case 503 -> ErrorType.UNAVAILABLE;
            default -> status >= 500 ? ErrorType.INTERNAL_ERROR : ErrorType.INVALID_INPUT;
        };
        Object message = request.getAttribute(ERROR_MESSAGE);
        String text = message instanceof String m && !m.isBlank() ? m : "HTTP " + status;
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(Exchange.errorBody(type, text.lines().findFirst().orElse(text))), callback);
        return true;
    }
}
