package run.capsule.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import run.capsule.engine.spec.TaskResult;
import run.capsule.store.AttemptRow;
import run.capsule.engine.spec.TaskSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #18 item 1: TypeScript sources run with their types stripped inside the sandbox by the pinned Sucrase (no
 * Node), with error positions on the TypeScript lines. On the old code a .ts source was refused as not a Python or
 * JavaScript source.
 */
class TypeScriptTasksTest {
    @RegisterExtension
    static final EngineNode node = EngineNode.withRunners(1);

    static final String TYPED = """
            import { task } from "@capsule-run/sdk";
            import { helper } from "./helper.js";

            interface Item {
              name: string;
              price: number;
              tags?: string[];
            }

            type Summary<T> = { count: number; first: T | undefined };

            enum Level {
              Low = 1,
              High,
            }

            const enum Flag { On = "on" }

            function summarise<T>(items: readonly T[]): Summary<T> {
              return { count: items.length, first: items[0] };
            }

            class Basket<T extends Item> {
              private items: T[] = [];
              constructor(public readonly owner: string) {}
              add(item: T): this {
                this.items.push(item);
                return this;
              }
              total(): number {
                return this.items.reduce((sum: number, i: T) => sum + i.price, 0);
              }
            }

            export const main = task({ name: "main" }, async (content: string): Promise<object> => {
              const raw: unknown = JSON.parse(content);
              const items = raw as Item[];
              const basket = new Basket<Item>("ann");
              items.forEach((i) => basket.add(i));
              const first = summarise<Item>(items).first!;
              return {
                owner: basket.owner,
                total: basket.total(),
                first: (first as Item).name,
                level: Level.High,
                levelName: Level[2],
                flag: Flag.On,
                helper: helper(<number>items.length),
              };
            });
            """;

    @Test
    void aTaskWithTypesInterfacesGenericsEnumsAndCastsRuns() throws Exception {
        Path source = node.source("typed.ts", TYPED);
        Files.writeString(source.resolveSibling("helper.js"), "export const helper = (n) => `helped ${n}`;\n");

        TaskResult result = node.capsule().run(TaskSpec.builder(source)
                .args(List.of("[{\"name\":\"tea\",\"price\":3},{\"name\":\"jam\",\"price\":4,\"tags\":[\"x\"]}]")).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().toString()).isEqualTo("{\"owner\":\"ann\",\"total\":7,\"first\":\"tea\",\"level\":2,"
                + "\"levelName\":\"High\",\"flag\":\"on\",\"helper\":\"helped 2\"}");
    }

    @Test
    void anErrorPointsAtTheTypeScriptLine() throws Exception {
        Path source = node.source("fails.mts", """
                import { task } from "capsule";
                interface Shape {
                  sides: number;
                }
                type Pair<A, B> = [A, B];
                const pair: Pair<string, Shape> = ["x", { sides: 3 }];
                export const main = task({ name: "main" }, (): number => {
                  const shape = pair[1] as Shape;
                  throw new RangeError(`bad shape ${shape.sides}`);
                });
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(source).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("task_error");
        assertThat(result.error().message()).contains("RangeError: bad shape 3");
        AttemptRow attempt = node.capsule().attempts(result.execution().taskId()).get(0);
        assertThat(attempt.errorDetail()).as("the stack names the TypeScript line").contains("fails.mts:9");
    }

    @Test
    void aTypeScriptSyntaxErrorIsRefusedWithItsPosition() throws Exception {
        Path source = node.source("broken.ts", """
                import { task } from "capsule";
                const x: number = ;
                export const main = task({ name: "main" }, () => x);
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(source).build());

        assertThat(result.success()).isFalse();
        assertThat(result.error().errorType()).isEqualTo("invalid_input");
        assertThat(result.error().message()).startsWith("broken.ts: SyntaxError").contains("broken.ts:2:");
    }

    @Test
    void theStrippedSourceIsWhatIsJournaledAndASnippetWorksToo() throws Exception {
        Path source = node.source("snippet.ts", """
                const greet = (name: string): string => `hi ${name}`;
                let result: string = greet("ts" as string);
                """);

        TaskResult result = node.capsule().run(TaskSpec.builder(source).build());

        assertThat(result.success()).as(String.valueOf(result.error())).isTrue();
        assertThat(result.result().asText()).isEqualTo("hi ts");
    }
}
