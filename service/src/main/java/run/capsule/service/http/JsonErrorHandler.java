package run.capsule.service.http;

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
        String type = switch (status) {
            case 400 -> "invalid_input";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413, 414, 431 -> "too_large";
            case 503 -> "unavailable";
            default -> status >= 500 ? "internal_error" : "invalid_input";
        };
        Object message = request.getAttribute(ERROR_MESSAGE);
        String text = message instanceof String m && !m.isBlank() ? m : "HTTP " + status;
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(Exchange.errorBody(type, text.lines().findFirst().orElse(text))), callback);
        return true;
    }
}
