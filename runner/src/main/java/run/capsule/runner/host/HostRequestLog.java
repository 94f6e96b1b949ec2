package run.capsule.runner.host;

import run.capsule.protocol.HostRequest;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The network requests of one attempt, in order, with secrets redacted: the values of Authorization, Cookie,
 * Proxy-Authorization, Set-Cookie and of any header or query parameter whose name contains "token", "secret"
 * or "key", and the URL's user info.
 */
public final class HostRequestLog {
    public static final String REDACTED = "[redacted]";
    private static final Pattern QUERY_PARAM = Pattern.compile("([^&=]+)=([^&]*)");

    private final List<HostRequest> requests = new ArrayList<>();

    public synchronized void add(long atEpochMs, String method, String url, Map<String, String> headers, Integer status,
                                 long bytesSent, long bytesReceived, long durationMs, String error) {
        requests.add(new HostRequest(requests.size() + 1, atEpochMs, method, redactUrl(url), redactHeaders(headers), status,
                bytesSent, bytesReceived, durationMs, error));
    }

    public synchronized int size() {
        return requests.size();
    }

    public synchronized List<HostRequest> requests() {
        return List.copyOf(requests);
    }

    static boolean isSecret(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.equals("authorization") || n.equals("proxy-authorization") || n.equals("cookie") || n.equals("set-cookie")
                || n.contains("token") || n.contains("secret") || n.contains("key");
    }

    static Map<String, String> redactHeaders(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.forEach((name, value) -> out.put(name, isSecret(name) ? REDACTED : value));
        return out;
    }

    static String redactUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return url.length() > 200 ? url.substring(0, 200) + "..." : url;
        }
        if (uri.getRawQuery() == null && uri.getRawUserInfo() == null) {
            return url;
        }
        StringBuilder out = new StringBuilder();
        if (uri.getScheme() != null) {
            out.append(uri.getScheme()).append("://");
        }
        if (uri.getRawUserInfo() != null) {
            out.append(REDACTED).append('@');
        }
        if (uri.getRawAuthority() != null) {
            String authority = uri.getRawAuthority();
            out.append(authority.substring(authority.indexOf('@') + 1));
        }
        out.append(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            Matcher m = QUERY_PARAM.matcher(uri.getRawQuery());
            StringBuilder query = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(query, Matcher.quoteReplacement(m.group(1) + "=" + (isSecret(m.group(1)) ? REDACTED : m.group(2))));
            }
            m.appendTail(query);
            out.append('?').append(query);
        }
        return out.toString();
    }
}
