package run.capsule.service.http;

import run.capsule.protocol.ErrorType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import run.capsule.service.auth.Role;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** One request being answered: its path parameters, query, capped body, the caller's role, and the response. */
public final class Exchange {
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final Map<String, String> params;
    private final Role role;
    private final long maxBody;

    Exchange(HttpServletRequest request, HttpServletResponse response, Map<String, String> params, Role role, long maxBody) {
        this.request = request;
        this.response = response;
        this.params = params;
        this.role = role;
        this.maxBody = maxBody;
    }

    public String param(String name) {
        return params.get(name);
    }

    /** A query parameter, or null; given twice it is refused. */
    public String query(String name) {
        String[] values = request.getParameterValues(name);
        if (values == null || values.length == 0) {
            return null;
        }
        if (values.length > 1) {
            throw ApiError.invalid(name + ": given more than once");
        }
        return values[0];
    }

    public List<String> queryAll(String name) {
        String[] values = request.getParameterValues(name);
        return values == null ? List.of() : List.of(values);
    }

    public String header(String name) {
        return request.getHeader(name);
    }

    public Role role() {
        return role;
    }

    public HttpServletRequest request() {
        return request;
    }

    public HttpServletResponse response() {
        return response;
    }

    /** The body as JSON; an empty body is null. Over the cap is 413, malformed JSON 400. */
    public JsonNode jsonBody() throws IOException {
        byte[] bytes = body();
        if (bytes.length == 0) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid("the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private byte[] body() throws IOException {
        long declared = request.getContentLengthLong();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        try (InputStream in = request.getInputStream()) {
            if (declared > maxBody) {
                throw tooLargeAfterDiscarding(in, buffer);
            }
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (out.size() + n > maxBody) {
                    throw tooLargeAfterDiscarding(in, buffer);
                }
                out.write(buffer, 0, n);
            }
        }
        return out.toByteArray();
    }

    /**
     * Reads and drops up to {@code maxBody} more bytes of the body, so that a client still sending it reads the 413
     * instead of a connection reset (the server closes a connection whose body it did not read); a larger body is cut.
     */
    private ApiError tooLargeAfterDiscarding(InputStream in, byte[] buffer) {
        try {
            long left = maxBody;
            for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0; ) {
                left -= n;
            }
        } catch (IOException e) {
            // the client went away: the 413 goes nowhere either way
        }
        return tooLarge();
    }

    private ApiError tooLarge() {
        return new ApiError(413, ErrorType.TOO_LARGE, "the request body is larger than " + maxBody + " bytes (the server's max_body)");
    }

    public void json(int status, JsonNode body) throws IOException {
        send(status, "application/json", Json.MAPPER.writeValueAsBytes(body));
    }

    public void send(int status, String contentType, byte[] body) throws IOException {
        response.setStatus(status);
        response.setContentType(contentType);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    public void noContent() {
        response.setStatus(204);
    }

    static byte[] errorBody(ErrorType errorType, String message) {
        try {
            return Json.MAPPER.writeValueAsBytes(Json.object().put("error_type", errorType.wireName()).put("message", message));
        } catch (JsonProcessingException e) {
            return ("{\"error_type\":\"" + errorType.wireName() + "\"}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
