package run.capsule.service.api;

import run.capsule.service.http.ApiError;
import run.capsule.service.http.Exchange;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Files served from the jar: the dashboard ({@code dashboard/} resources, {@code /} is its {@code index.html}) and the
 * API contract ({@code openapi.yaml}). Only plain names of known types; nothing outside {@code dashboard/}.
 */
public final class StaticFiles {
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon",
            "json", "application/json", "txt", "text/plain; charset=utf-8", "woff2", "font/woff2");

    public void dashboard(Exchange exchange) throws IOException {
        String path = exchange.param("path");
        if (path == null || path.isEmpty()) {
            path = "index.html";
        }
        if (!path.matches("([A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*") || path.contains("..")) {
            throw ApiError.notFound("no file /" + path);
        }
        String type = TYPES.get(path.substring(path.lastIndexOf('.') + 1));
        if (type == null) {
            throw ApiError.notFound("no file /" + path);
        }
        byte[] bytes = resource("dashboard/" + path);
        if (bytes == null) {
            throw ApiError.notFound("no file /" + path);
        }
        exchange.response().setHeader("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
        exchange.send(200, type, bytes);
    }

    public void openApi(Exchange exchange) throws IOException {
        exchange.send(200, "application/yaml; charset=utf-8", resource("openapi.yaml"));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        }
    }
}
