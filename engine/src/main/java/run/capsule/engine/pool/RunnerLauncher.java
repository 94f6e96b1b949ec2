package run.capsule.engine.pool;

import run.capsule.runner.NativeLibrary;
import run.capsule.runner.RunnerMain;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts runner JVMs: the same class path as this JVM, the native library from Capsule's cache, a clean environment. */
public final class RunnerLauncher {
    private static final List<String> PASSED_ENV = List.of("PATH", "HOME", "LANG", "TMPDIR", "CAPSULE_LOG_LEVEL");
    private final Path cacheDir;
    private final String classPath;
    private final List<String> jvmOptions;
    private final ClassDataArchive classData;

    public RunnerLauncher(Path cacheDir, String classPath, List<String> jvmOptions) {
        this.cacheDir = cacheDir;
        this.classPath = classPath;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.classData = ClassDataArchive.forRunner(cacheDir, classPath);
    }

    /**
     * A small JVM: the serial collector, C1 only, class data sharing; a heap that starts at 8 MiB and is given back after
     * collections down to 20% free (an idle runner after hello tasks: 156 MiB RSS before these two, 139-145 after;
     * docs/performance.md), in one step at the full collection an idle runner runs (IdleHeapTrim: 94-98 MiB).
     */
    public static RunnerLauncher forThisJvm(Path cacheDir) {
        return new RunnerLauncher(cacheDir, System.getProperty("java.class.path"),
                List.of("-Xmx192m", "-Xms8m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20", "-XX:-ShrinkHeapInSteps", "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    }

    public Process start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        ClassDataArchive.Options sharing = classData.next();
        command.addAll(sharing.jvmOptions());
        command.add("-Djava.library.path=" + NativeLibrary.directory(cacheDir));
        command.add("-Dlogback.configurationFile=capsule-runner-logback.xml");
        command.add("-cp");
        command.add(classPath);
        command.add(RunnerMain.class.getName());
        command.add("--cache-dir");
        command.add(cacheDir.toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        Map<String, String> inherited = Map.copyOf(env);
        env.clear();
        for (String name : PASSED_ENV) {
            String value = inherited.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            if (sharing.writes()) {
                classData.written();
            }
            throw e;
        }
        if (sharing.writes()) {
            process.onExit().thenRun(classData::written);
        }
        return process;
    }
}
