package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #18 item 5: a source that declares no task is a snippet whose top-level code is the implicit task "main"
 * (docs/languages.md, A source without main). Its result is its {@code result} variable, else its last expression;
 * describing it does not run it. On the old code every snippet here was refused as NoMainTask (invalid_input).
 */
class SnippetSourcesTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(1);

    private static TaskResult run(String file, String code, String... args) throws Exception {
        Path source = node.source(file, code);
        return node.capsule().run(TaskSpec.builder(source).args(List.of(args)).build());
    }

    @Test
    void aPythonSnippetsLastExpressionIsItsResult() throws Exception {
        TaskResult result = run("last.py", """
                import json
                print("side output")
                x = 6 * 7
                {"x": x, "doubled": json.loads("[1, 2]") * 2}
                """);
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().toString()).isEqualTo("{\"x\":42,\"doubled\":[1,2,1,2]}");
    }

    @Test
    void aPythonSnippetsResultVariableWinsAndTopLevelAwaitWorks() throws Exception {
        TaskResult result = run("result.py", """
                # the word task in a comment does not make this a task source
                import asyncio
                from capsule import args
                await asyncio.sleep(0)
                result = {"args": args()}
                "not the result"
                """, "a", "b");
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().toString()).isEqualTo("{\"args\":[\"a\",\"b\"]}");
    }

    @Test
    void aFailingSnippetFailsWhenRunNotWhenDescribed() throws Exception {
        TaskResult python = run("boom.py", "raise ValueError('boom at run time')\n");
        assertThat(python.success()).isFalse();
        assertThat(python.error().errorType()).isEqualTo("task_error");
        assertThat(python.error().message()).contains("ValueError").contains("boom at run time");

        TaskResult js = run("boom.js", "throw new RangeError('boom at run time');\n");
        assertThat(js.success()).isFalse();
        assertThat(js.error().errorType()).isEqualTo("task_error");
        assertThat(js.error().message()).contains("RangeError").contains("boom at run time");
    }

    @Test
    void aSourceThatDeclaresTasksButNoMainIsStillRefused() throws Exception {
        TaskResult result = run("nomain.py", """
                from capsule import task

                @task(name="helper")
                def helper():
                    return 1
                """);
        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).contains("NoMainTask").contains("helper");
    }

    @Test
    void aJavaScriptScriptsCompletionValueIsItsResult() throws Exception {
        TaskResult result = run("last.js", """
                const values = [1, 2, 3];
                console.log("side output");
                values.map((v) => v * 2);
                """);
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().toString()).isEqualTo("[2,4,6]");
    }

    @Test
    void aJavaScriptScriptsResultVariableWins() throws Exception {
        TaskResult result = run("result.js", """
                let result = { argv: process.argv.slice(2) };
                "not the result";
                """, "x");
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().toString()).isEqualTo("{\"argv\":[\"x\"]}");
    }

    @Test
    void aJavaScriptModuleSnippetReturnsItsResultExport() throws Exception {
        TaskResult result = run("module.mjs", """
                import path from "node:path";
                import { args } from "capsule";
                await Promise.resolve();
                export const result = path.join("a", ...args());
                """, "b", "c.txt");
        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asText()).isEqualTo("a/b/c.txt");
    }
}
