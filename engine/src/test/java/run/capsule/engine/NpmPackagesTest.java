package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.spec.JobPolicy;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #18 item 3: a JavaScript task imports an ES-module package and a CommonJS package (with a nested dependency)
 * from node_modules beside its source; the package files are journaled with the source, so a retry replays the same
 * package code although the files changed on disk in between. Native addons and packages that need Node modules the
 * sandbox lacks are refused naming the package. On the old code every import here was "cannot import".
 */
class NpmPackagesTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(1);
    private static final JobPolicy TRUSTING = JobPolicy.builder().trustDeclared(true).build();

    private static Path project(String name) throws Exception {
        Path dir = Files.createDirectories(node.dir().resolve(name));
        Path esm = Files.createDirectories(dir.resolve("node_modules/esm-pkg/dist"));
        Files.writeString(esm.getParent().resolve("package.json"), """
                {"name": "esm-pkg", "version": "1.0.0", "type": "module",
                 "exports": {".": {"import": "./dist/index.js", "require": "./dist/index.cjs"}, "./package.json": "./package.json"}}
                """);
        Files.writeString(esm.resolve("index.js"), """
                import { helper } from "./helper.js";
                export const shout = (s) => helper(s).toUpperCase();
                export default "esm-default";
                """);
        Files.writeString(esm.resolve("helper.js"), "export const helper = (s) => `${s}!`;\n");
        Path cjs = Files.createDirectories(dir.resolve("node_modules/cjs-pkg/lib"));
        Files.writeString(cjs.getParent().resolve("package.json"), "{\"name\": \"cjs-pkg\", \"version\": \"2.0.0\", \"main\": \"lib/main\"}\n");
        Files.writeString(cjs.resolve("main.js"), """
                const util = require("./util");
                const path = require("path");
                const dep = require("dep-pkg");
                exports.greet = (n) => util.prefix + n + dep.suffix;
                exports.joined = path.join("a", "b");
                """);
        Files.writeString(cjs.resolve("util.js"), "module.exports = { prefix: \"hello \" };\n");
        Path dep = Files.createDirectories(dir.resolve("node_modules/cjs-pkg/node_modules/dep-pkg"));
        Files.writeString(dep.resolve("index.js"), "module.exports.suffix = \"?\";\n");
        return dir;
    }

    @Test
    void esmAndCommonJsPackagesAreBundledAndARetryReplaysTheJournaledCode() throws Exception {
        Path dir = project("app");
        Path source = Files.writeString(dir.resolve("main.js"), """
                import { task } from "capsule";
                import fs from "node:fs";
                import esmDefault, { shout } from "esm-pkg";
                import cjs, { greet } from "cjs-pkg";

                export const main = task({ name: "main", maxRetries: 1, allowedFiles: ["./node_modules::/deps"] }, () => {
                  if (!fs.existsSync("/deps/.first-attempt")) {
                    fs.writeFileSync("/deps/.first-attempt", "x");
                    fs.writeFileSync("/deps/cjs-pkg/lib/util.js", "module.exports = { prefix: 'CHANGED ' };\\n");
                    fs.writeFileSync("/deps/esm-pkg/dist/helper.js", "export const helper = () => 'changed';\\n");
                    throw new Error("fail once, after changing the packages on disk");
                  }
                  return { shout: shout("hi"), esmDefault, greet: greet("ann"), same: cjs.greet === greet, joined: cjs.joined };
                });
                """);

        TaskResult retried = node.capsule().run(TaskSpec.builder(source).policy(TRUSTING).build());

        assertThat(retried.success()).as(String.valueOf(retried.error())).isTrue();
        assertThat(retried.execution().retries()).isEqualTo(1);
        assertThat(retried.result().toString())
                .isEqualTo("{\"shout\":\"HI!\",\"esmDefault\":\"esm-default\",\"greet\":\"hello ann?\",\"same\":true,\"joined\":\"a/b\"}");
        assertThat(dir.resolve("node_modules/cjs-pkg/lib/util.js")).content().contains("CHANGED");

        TaskResult fresh = node.capsule().run(TaskSpec.builder(source).policy(TRUSTING).build());
        assertThat(fresh.success()).as(String.valueOf(fresh.error())).isTrue();
        assertThat(fresh.result().path("greet").asText()).as("a new run bundles the files as they are now").isEqualTo("CHANGED ann?");
        assertThat(fresh.result().path("shout").asText()).isEqualTo("CHANGED");
    }

    @Test
    void aNativeAddonIsRefusedByName() throws Exception {
        Path dir = project("native");
        Path addon = Files.createDirectories(dir.resolve("node_modules/fast-thing"));
        Files.writeString(addon.resolve("package.json"), "{\"name\": \"fast-thing\", \"main\": \"index.js\"}\n");
        Files.writeString(addon.resolve("binding.gyp"), "{}\n");
        Files.writeString(addon.resolve("index.js"), "module.exports = require('./build/Release/fast.node');\n");
        Path source = Files.writeString(dir.resolve("main.js"), """
                import { task } from "capsule";
                import fast from "fast-thing";
                export const main = task({ name: "main" }, () => fast);
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(source).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("\"fast-thing\"").contains("native addon");
    }

    @Test
    void aPackageNeedingAMissingNodeModuleIsRefusedByName() throws Exception {
        Path dir = project("needs-node");
        Path pkg = Files.createDirectories(dir.resolve("node_modules/shell-out"));
        Files.writeString(pkg.resolve("index.js"), "const { execSync } = require('child_process');\nmodule.exports = () => execSync('ls');\n");
        Path source = Files.writeString(dir.resolve("main.js"), """
                import { task } from "capsule";
                import run from "shell-out";
                export const main = task({ name: "main" }, () => run());
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(source).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("package \"shell-out\" needs Node's \"child_process\" module");
    }

    @Test
    void aMissingPackageIsRefusedBeforeAnythingRuns() throws Exception {
        Path dir = project("missing");
        Path source = Files.writeString(dir.resolve("main.js"), """
                import { task } from "capsule";
                import left from "left-pad";
                export const main = task({ name: "main" }, () => left("x", 3));
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(source).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("\"left-pad\"").contains("not in node_modules");
    }
}
