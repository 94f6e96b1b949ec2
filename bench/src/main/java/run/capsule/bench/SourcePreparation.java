package run.capsule.bench;

import run.capsule.engine.Capsule;
import run.capsule.engine.CapsuleClient;
import run.capsule.engine.CapsuleOptions;
import run.capsule.engine.spec.TaskResult;
import run.capsule.engine.spec.TaskSpec;
import run.capsule.runner.guest.CacheDirectory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What preparing a TypeScript source and a source with a local dependency costs (docs/performance.md): the stripping
 * step cold (stripper fetched from npm and laid out), with the stripper laid out but a new source, and cached; then a
 * whole run of the TypeScript task against the same task in JavaScript. Usage: SourcePreparation [rounds]
 */
public final class SourcePreparation {
    private static final String TS = """
            import { task } from "capsule";
            import { double } from "./dep.js";
            interface Order { id: number; lines: Array<{ sku: string; qty: number }> }
            enum State { Open, Closed }
            export const main = task({ name: "main" }, (raw: string): object => {
              const order = JSON.parse(raw) as Order;
              return { id: order.id, qty: double(order.lines.reduce((n: number, l) => n + l.qty, 0)), state: State[State.Closed] };
            });
            // round %d
            """;
    private static final String JS = """
            import { task } from "capsule";
            import { double } from "./dep.js";
            export const main = task({ name: "main" }, (raw) => {
              const order = JSON.parse(raw);
              return { id: order.id, qty: double(order.lines.reduce((n, l) => n + l.qty, 0)), state: "Closed" };
            });
            """;
    private static final String INPUT = "{\"id\":7,\"lines\":[{\"sku\":\"a\",\"qty\":2},{\"sku\":\"b\",\"qty\":3}]}";

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = Files.createTempDirectory("capsule-prep-bench");
        Path cache = dir.resolve("cache");
        Files.writeString(dir.resolve("dep.js"), "export const double = (n) => n * 2;\n");
        Path js = Files.writeString(dir.resolve("plain.js"), JS);
        try (Capsule capsule = Capsule.open(CapsuleOptions.builder().embeddedJournal(dir.resolve("journal")).cacheDir(cache).runners(1).build())) {
            capsule.warmUp(1);
            capsule.build(js);
            for (int round = 0; round < rounds; round++) {
                CacheDirectory.deleteTree(cache.resolve("tools"));
                CacheDirectory.deleteTree(cache.resolve("typescript"));
                Path cold = Files.writeString(dir.resolve("cold" + round + ".ts"), TS.formatted(round));
                long started = System.nanoTime();
                CapsuleClient.Build first = capsule.build(cold);
                long coldBuild = ms(started);
                Path fresh = Files.writeString(dir.resolve("fresh" + round + ".ts"), TS.formatted(1000 + round));
                started = System.nanoTime();
                CapsuleClient.Build second = capsule.build(fresh);
                long freshBuild = ms(started);
                started = System.nanoTime();
                CapsuleClient.Build third = capsule.build(fresh);
                long cachedBuild = ms(started);
                Path bundled = Files.writeString(dir.resolve("bundled" + round + ".js"), JS + "// round " + round + "\n");
                started = System.nanoTime();
                CapsuleClient.Build bundle = capsule.build(bundled);
                long bundleCold = ms(started);
                started = System.nanoTime();
                capsule.build(bundled);
                long bundleWarm = ms(started);
                System.out.printf("round %d: ts cold transpile %d ms (build %d ms); new source transpile %d ms (build %d ms, describe %d ms);"
                                + " cached build %d ms (transpile %d ms); js+dep build cold %d ms (describe %d ms), warm %d ms%n",
                        round, first.transpileMs(), coldBuild, second.transpileMs(), freshBuild, second.describeMs(), cachedBuild,
                        third.transpileMs(), bundleCold, bundle.describeMs(), bundleWarm);
            }
            Path ts = Files.writeString(dir.resolve("run.ts"), TS.formatted(-1));
            run(capsule, ts);
            run(capsule, js);
            long tsTotal = 0;
            long jsTotal = 0;
            for (int i = 0; i < rounds * 4; i++) {
                long started = System.nanoTime();
                run(capsule, ts);
                tsTotal += ms(started);
                started = System.nanoTime();
                run(capsule, js);
                jsTotal += ms(started);
            }
            System.out.printf("warm run end to end: ts %.1f ms, js %.1f ms (mean of %d)%n", tsTotal / (rounds * 4.0), jsTotal / (rounds * 4.0), rounds * 4);
        }
    }

    private static void run(Capsule capsule, Path source) throws Exception {
        TaskResult result = capsule.run(TaskSpec.builder(source).args(List.of(INPUT)).build());
        if (!result.success() || result.result().path("qty").asInt() != 10) {
            throw new IllegalStateException(source + ": " + result.error() + " " + result.result());
        }
    }

    private static long ms(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }
}
