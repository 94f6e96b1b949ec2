package run.capsule.runner.wasm;

/**
 * The module uses a WebAssembly feature that Capsule's runtime (wasmtime 7 with its default features) does
 * not run. {@link #feature()} names it for reports.
 */
public class UnsupportedFeatureException extends InvalidModuleException {
    private final String feature;

    /** @param location where the feature was seen, e.g. "function 12"; empty when it is module-wide */
    public UnsupportedFeatureException(String source, String feature, String location) {
        super(source + " uses " + feature + (location.isEmpty() ? "" : " in " + location)
                + ", which Capsule does not support");
        this.feature = feature;
    }

    public String feature() {
        return feature;
    }
}
