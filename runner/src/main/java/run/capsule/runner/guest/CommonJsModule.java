package run.capsule.runner.guest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CommonJS file as the ES module QuickJS loads (docs/languages.md, npm packages). Every {@code require("...")} with a
 * string literal becomes a static import of what it resolves to, and {@code require} answers from those imports; the
 * file's code runs inside the usual {@code (exports, require, module, __filename, __dirname)} function. Its
 * {@code module.exports} is the default export, plus the names it assigns as {@code exports.NAME = } (or
 * {@code module.exports.NAME}, {@code Object.defineProperty(exports, "NAME"}) as named exports, as Node finds them
 * for an {@code import}. The whole preamble is on the file's first line, so line numbers stay the file's own.
 * Differences from Node: required modules run before the file (imports are eager), and a require cycle can see a
 * module before it has run.
 */
final class CommonJsModule {
    static final Pattern REQUIRE = Pattern.compile("\\brequire\\s*\\(\\s*(['\"])([^'\"\\n]+)\\1\\s*\\)");
    private static final Pattern NAMED = Pattern.compile(
            "(?:\\bmodule\\.exports|\\bexports)\\.([A-Za-z_$][\\w$]*)\\s*=[^=]|Object\\.defineProperty\\(\\s*(?:module\\.)?exports\\s*,\\s*['\"]([A-Za-z_$][\\w$]*)['\"]");
    private static final Set<String> RESERVED = Set.of("default", "__esModule", "__cjs", "module", "exports", "require", "break", "case",
            "catch", "class", "const", "continue", "debugger", "delete", "do", "else", "enum", "export", "extends", "false", "finally", "for",
            "function", "if", "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw", "true", "try",
            "typeof", "var", "void", "while", "with", "yield", "let", "static", "implements", "interface", "package", "private",
            "protected", "public", "await", "arguments", "eval");
    private static final ObjectMapper JSON = new ObjectMapper();

    private CommonJsModule() {
    }

    /** {@code resolved}: each required specifier and the module name it loads as. */
    static String wrap(String guestPath, String source, Map<String, String> resolved) {
        StringBuilder head = new StringBuilder();
        Map<String, String> bindings = new LinkedHashMap<>();
        int n = 0;
        for (Map.Entry<String, String> dep : resolved.entrySet()) {
            String binding = "__capsule_dep" + n++;
            head.append("import * as ").append(binding).append(" from ").append(quote(dep.getValue())).append("; ");
            bindings.put(dep.getKey(), binding);
        }
        head.append("const __capsule_deps = new Map([");
        bindings.forEach((specifier, binding) -> head.append("[").append(quote(specifier)).append(", ")
                .append(resolved.get(specifier).startsWith("node:") ? binding + ".default" : binding).append("], "));
        head.append("]); ");
        String dir = guestPath.substring(0, Math.max(1, guestPath.lastIndexOf('/')));
        head.append("const __capsule_module = { exports: {}, id: ").append(quote(guestPath)).append(", filename: ").append(quote(guestPath))
                .append(", loaded: false }; ");
        head.append("const __capsule_require = (specifier) => { const m = __capsule_deps.get(specifier); ")
                .append("if (m === undefined) { throw new Error(`cannot require \"${specifier}\" from ").append(escapeTemplate(guestPath))
                .append(": only a require of a string literal that names a file or package in the bundle can be served`); } ")
                .append("return m.__cjs === true ? m.default : (m.default !== undefined && Object.keys(m).length === 1 ? m.default : m); }; ");
        head.append("(function (exports, require, module, __filename, __dirname) {");
        StringBuilder tail = new StringBuilder("\n}).call(__capsule_module.exports, __capsule_module.exports, __capsule_require, __capsule_module, ")
                .append(quote(guestPath)).append(", ").append(quote(dir)).append(");\n")
                .append("__capsule_module.loaded = true;\nexport default __capsule_module.exports;\nexport const __cjs = true;\n");
        Set<String> names = namedExports(source);
        if (!names.isEmpty()) {
            tail.append("export const { ").append(String.join(", ", names)).append(" } = __capsule_module.exports;\n");
        }
        return head + source + tail;
    }

    static Set<String> namedExports(String source) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = NAMED.matcher(source);
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            if (!RESERVED.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    static String json(String source) {
        return "export default " + source.strip() + ";\n";
    }

    private static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String escapeTemplate(String text) {
        return text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${");
    }
}
