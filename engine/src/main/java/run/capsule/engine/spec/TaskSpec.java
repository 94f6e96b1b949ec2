package run.capsule.engine.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything needed to run one task: the module (or Python/JavaScript source), its arguments, limits, retry policy
 * and grants. {@code program} is set for a Python or JavaScript task once its source has been described
 * (docs/languages.md). Immutable; build with {@link #builder(Path)}.
 */
public record TaskSpec(
        String name,
        Path module,
        List<String> args,
        Limits limits,
        RetryPolicy retryPolicy,
        List<MountSpec> mounts,
        List<HostPattern> allowedHosts,
        List<EnvGrant> env,
        TaskProgram program,
        JobPolicy policy,
        List<Path> pythonPath) {

    public TaskSpec(String name, Path module, List<String> args, Limits limits, RetryPolicy retryPolicy, List<MountSpec> mounts,
                    List<HostPattern> allowedHosts, List<EnvGrant> env) {
        this(name, module, args, limits, retryPolicy, mounts, allowedHosts, env, null, JobPolicy.ceilingsAt(limits), List.of());
    }

    public TaskSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(module, "module");
        args = List.copyOf(args);
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        mounts = List.copyOf(mounts);
        allowedHosts = List.copyOf(allowedHosts);
        env = List.copyOf(env);
        Objects.requireNonNull(policy, "policy");
        pythonPath = List.copyOf(pythonPath);
        if (name.isBlank() || name.length() > 200) {
            throw new InvalidInputException("task name must be 1-200 characters");
        }
    }

    public static Builder builder(Path module) {
        return new Builder(module);
    }

    /** A builder holding everything of this spec. */
    public Builder toBuilder() {
        return builderFor(module);
    }

    /** This spec, its module read from {@code file} instead: the journaled copy laid out in the cache. */
    public TaskSpec withModuleFile(Path file) {
        return builderFor(file).build();
    }

    private Builder builderFor(Path module) {
        Builder builder = new Builder(module).name(name).args(args).limits(limits).retryPolicy(retryPolicy).program(program).policy(policy)
                .pythonPath(pythonPath);
        mounts.forEach(builder::mount);
        allowedHosts.forEach(builder::allowHost);
        env.forEach(builder::env);
        return builder;
    }

    /** Whether this is a Python or JavaScript source rather than a WebAssembly module. */
    public boolean isProgram() {
        return TaskProgram.languageOf(module) != null;
    }

    public static final class Builder {
        private final Path module;
        private String name;
        private final List<String> args = new ArrayList<>();
        private Limits limits = Limits.DEFAULT;
        private RetryPolicy retryPolicy = RetryPolicy.NONE;
        private final List<MountSpec> mounts = new ArrayList<>();
        private final List<HostPattern> allowedHosts = new ArrayList<>();
        private final List<EnvGrant> env = new ArrayList<>();
        private TaskProgram program;
        private JobPolicy policy;
        private final List<Path> pythonPath = new ArrayList<>();
        private boolean limitsNamed;

        private Builder(Path module) {
            this.module = Objects.requireNonNull(module, "module");
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder args(List<String> args) {
            this.args.addAll(args);
            return this;
        }

        public Builder arg(String arg) {
            this.args.add(arg);
            return this;
        }

        /**
         * The task's limits. For a Python or JavaScript source they are the defaults of what its tasks do not declare and,
         * unless {@link #policy} says otherwise, also the ceilings of what they may declare.
         */
        public Builder limits(Limits limits) {
            this.limits = limits;
            this.limitsNamed = true;
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = retryPolicy;
            return this;
        }

        public Builder mount(MountSpec mount) {
            this.mounts.add(mount);
            return this;
        }

        public Builder allowHost(HostPattern host) {
            this.allowedHosts.add(host);
            return this;
        }

        public Builder env(EnvGrant grant) {
            this.env.add(grant);
            return this;
        }

        public Builder program(TaskProgram program) {
            this.program = program;
            return this;
        }

        /**
         * The operator's ceilings and switches for the whole job (docs/security.md). Without it the ceilings are the limits
         * when {@link #limits} was called, else the built-in ceilings ({@link JobPolicy#DEFAULT}).
         */
        public Builder policy(JobPolicy policy) {
            this.policy = policy;
            return this;
        }

        /**
         * Directories of pure-Python packages a Python source may import (docs/languages.md, Python packages); what it
         * imports from them is journaled with it.
         */
        public Builder pythonPath(List<Path> dirs) {
            this.pythonPath.addAll(dirs);
            return this;
        }

        public TaskSpec build() {
            String taskName = name != null ? name : defaultName(module);
            JobPolicy jobPolicy = policy != null ? policy : limitsNamed ? JobPolicy.ceilingsAt(limits) : JobPolicy.DEFAULT;
            return new TaskSpec(taskName, module, args, limits, retryPolicy, mounts, allowedHosts, env, program, jobPolicy, pythonPath);
        }

        private static String defaultName(Path module) {
            Path file = module.getFileName();
            String base = file == null ? "task" : file.toString();
            int dot = base.lastIndexOf('.');
            return dot > 0 ? base.substring(0, dot) : base;
        }
    }
}
