package run.capsule.bench;

import run.capsule.bench.chaos.ChaosReport;
import run.capsule.bench.chaos.ChaosRun;
import run.capsule.bench.chaos.ChaosSettings;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The chaos harness (docs/durability.md, "Chaos: what a cluster survives"): three worker nodes on an embedded
 * PostgreSQL, a mixed workload, node kills, pauses, runner kills and a database restart while it runs; exits 1 on any
 * violated invariant. Usage: ChaosCluster [--quick | TASKS] [SEED] [WORK_DIR]; bench/chaos.sh runs it.
 */
public final class ChaosCluster {
    public static void main(String[] args) throws Exception {
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.currentTimeMillis();
        ChaosSettings settings = args.length > 0 && args[0].equals("--quick") ? ChaosSettings.quick(seed)
                : ChaosSettings.full(seed, args.length > 0 ? Integer.parseInt(args[0]) : 10_000);
        Path work = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("capsule-chaos");
        ChaosReport report = new ChaosRun(settings, work, helloModule(), System.out).run();
        report.print(System.out);
        System.exit(report.passed() ? 0 : 1);
    }

    /** samples/hello/hello.wasm from the repository root or the bench module's directory. */
    public static Path helloModule() {
        for (Path candidate : new Path[] {Path.of("samples/hello/hello.wasm"), Path.of("../samples/hello/hello.wasm")}) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("samples/hello/hello.wasm not found: run from the repository root");
    }
}
