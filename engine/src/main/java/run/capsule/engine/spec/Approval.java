package run.capsule.engine.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the operator approved for a whole job (docs/security.md): the defaults a task gets for what it does not
 * declare, the {@link JobPolicy} ceilings, and the directories, hosts and environment variables its tasks may ask
 * for. Fixed when the job's first task is journaled and handed down unchanged to every child at any depth, so no
 * task can widen what a later one may have. Only the names of the environment variables are journaled in the task's
 * configuration; their values travel with the task's secrets.
 */
public record Approval(Limits defaults, JobPolicy policy, List<MountSpec> mounts, List<HostPattern> hosts, Map<String, String> env) {

    public Approval {
        mounts = List.copyOf(mounts);
        hosts = List.copyOf(hosts);
        env = Map.copyOf(env);
    }

    /** What the operator's spec approves: its limits as defaults (none above its policy's ceilings), the ceilings, its grants. */
    public static Approval of(TaskSpec spec) {
        Map<String, String> env = new LinkedHashMap<>();
        spec.env().forEach(e -> env.put(e.name(), e.value()));
        return new Approval(spec.policy().cap(spec.limits()), spec.policy(), spec.mounts(), spec.allowedHosts(), env);
    }

    /**
     * With {@code trustDeclared}: this approval widened to whatever the source's tasks declare (the values of declared
     * environment variables come from {@code hostEnv}). Otherwise this approval unchanged.
     */
    public Approval trusting(Map<String, TaskOptions> tasks, Map<String, String> hostEnv) {
        if (!policy.trustDeclared()) {
            return this;
        }
        List<MountSpec> widenedMounts = new ArrayList<>(mounts);
        List<HostPattern> widenedHosts = new ArrayList<>(hosts);
        Map<String, String> widenedEnv = new LinkedHashMap<>(env);
        JobPolicy raised = policy;
        for (TaskOptions options : tasks.values()) {
            raised = raised.raisedTo(options.limitsOver(defaults));
            if (options.maxRetries() != null && options.maxRetries() > raised.maxRetries()) {
                raised = raised.toBuilder().maxRetries(options.maxRetries()).build();
            }
            options.allowedFiles().stream().map(Approval::mount).filter(m -> !widenedMounts.contains(m)).forEach(widenedMounts::add);
            options.allowedHosts().stream().map(HostPattern::parse).filter(h -> !widenedHosts.contains(h)).forEach(widenedHosts::add);
            for (String name : options.envVariables()) {
                if (!widenedEnv.containsKey(name)) {
                    String value = hostEnv.get(name);
                    if (value == null) {
                        throw new InvalidInputException("task " + options.name() + " needs environment variable " + name + ", which is not set");
                    }
                    widenedEnv.put(name, value);
                }
            }
        }
        return new Approval(defaults, raised, widenedMounts, widenedHosts, widenedEnv);
    }

    /**
     * Refuses, with one line naming each excess and what would allow it, a source any of whose tasks declares more than
     * this approval covers.
     */
    public void check(String file, Map<String, TaskOptions> tasks) {
        List<String> excesses = new ArrayList<>();
        tasks.values().forEach(options -> excesses.addAll(excesses(options)));
        if (!excesses.isEmpty()) {
            throw new InvalidInputException(file + " declares more than this run allows: " + String.join("; ", excesses)
                    + " (or run code you wrote yourself with --trust-declared / [tasks] trust_declared = true)");
        }
    }

    /** Refuses a task that declares more than this approval covers. */
    public void check(TaskOptions options) {
        List<String> excesses = excesses(options);
        if (!excesses.isEmpty()) {
            throw new InvalidInputException("task " + options.name() + " declares more than its job allows: " + String.join("; ", excesses));
        }
    }

    private List<String> excesses(TaskOptions options) {
        List<String> out = new ArrayList<>();
        String task = "task " + options.name() + ": ";
        Limits declared = options.limitsOver(defaults);
        if (options.compute() != null && declared.compute().fuel() > policy.maxCompute().fuel()) {
            out.add(task + "compute " + options.compute() + " is over the ceiling " + level(policy.maxCompute())
                    + " (allow it with --compute or [tasks] max_compute)");
        }
        if (options.ram() != null && declared.ramBytes() > policy.maxRamBytes()) {
            out.add(task + "ram " + options.ram() + " is over the ceiling " + Sizes.format(policy.maxRamBytes())
                    + " (allow it with --ram or [tasks] max_ram)");
        }
        if (options.timeout() != null && declared.timeout().compareTo(policy.maxTimeout()) > 0) {
            out.add(task + "timeout " + options.timeout() + " is over the ceiling " + Durations.format(policy.maxTimeout())
                    + " (allow it with --timeout or [tasks] max_timeout)");
        }
        if (options.maxRetries() != null && options.maxRetries() > policy.maxRetries()) {
            out.add(task + "max_retries " + options.maxRetries() + " is over the ceiling " + policy.maxRetries()
                    + " (allow it with --max-retries)");
        }
        for (String grant : options.allowedFiles()) {
            MountSpec mount = mount(grant);
            if (mounts.stream().noneMatch(m -> covers(m, mount))) {
                out.add(task + "allowed_files " + grant + " is not granted (grant it with --mount " + mount.hostPath()
                        + (mount.readOnly() ? ":ro" : "") + " or [tasks] default_allowed_files)");
            }
        }
        for (String host : options.allowedHosts()) {
            HostPattern pattern = HostPattern.parse(host);
            if (hosts.stream().noneMatch(h -> covers(h, pattern))) {
                out.add(task + "allowed_hosts " + host + " is not granted (grant it with --allow-host " + pattern.pattern()
                        + " or [tasks] default_allowed_hosts)");
            }
        }
        for (String name : options.envVariables()) {
            if (!env.containsKey(name)) {
                out.add(task + "env_variables " + name + " is not granted (grant it with --env " + name + " or [tasks] default_env_variables)");
            }
        }
        return out;
    }

    /**
     * The limits, retries and grants of one task of the job: what it declares, checked against this approval, else the
     * defaults. The job's first task ({@code entry}) gets the operator's grants of each kind it declares nothing of, as
     * a WebAssembly module does; a child gets only what it declares.
     */
    public void applyTo(TaskSpec.Builder builder, TaskOptions options, boolean entry, Limits base) {
        builder.limits(options.limitsOver(base));
        List<MountSpec> taskMounts = options.allowedFiles().isEmpty() ? (entry ? mounts : List.of())
                : options.allowedFiles().stream().map(Approval::mount).map(Approval::real).toList();
        taskMounts.forEach(builder::mount);
        List<HostPattern> taskHosts = options.allowedHosts().isEmpty() ? (entry ? hosts : List.of())
                : options.allowedHosts().stream().map(HostPattern::parse).map(this::grantFor).distinct().toList();
        taskHosts.forEach(builder::allowHost);
        List<String> names = options.envVariables().isEmpty() ? (entry ? List.copyOf(env.keySet()) : List.of()) : options.envVariables();
        names.forEach(name -> builder.env(new EnvGrant(name, env.get(name))));
    }

    private static MountSpec mount(String grant) {
        return MountSpec.parse(grant, Path.of("/"));
    }

    /**
     * A requested directory as the task gets it: by its real path, checked now, so a link in it cannot point the grant
     * elsewhere later (the runner refuses a grant whose path has become a link by then).
     */
    private static MountSpec real(MountSpec mount) {
        try {
            return new MountSpec(mount.hostPath().toRealPath(), mount.guestPath(), mount.readOnly());
        } catch (IOException e) {
            throw new InvalidInputException("allowed_files " + mount + ": " + mount.hostPath() + " cannot be resolved: " + e.getMessage());
        }
    }

    /**
     * What a task asking for {@code requested} gets: that pattern when the operator named it exactly, else the operator's
     * pattern that covers it. A wildcard reaches public addresses only (docs/host-api.md), so a source cannot turn the
     * operator's {@code *} into access to a loopback, private or metadata host by naming it.
     */
    private HostPattern grantFor(HostPattern requested) {
        if (hosts.contains(requested)) {
            return requested;
        }
        return hosts.stream().filter(h -> covers(h, requested)).findFirst().orElse(requested);
    }

    /** Whether a granted directory covers a requested one: the same directory or one inside it (real paths), no wider mode. */
    static boolean covers(MountSpec granted, MountSpec requested) {
        if (granted.readOnly() && !requested.readOnly()) {
            return false;
        }
        try {
            return requested.hostPath().toRealPath().startsWith(granted.hostPath().toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether an allowed host pattern covers a requested one (same or wider host, same port or any). */
    static boolean covers(HostPattern granted, HostPattern requested) {
        String[] g = split(granted.pattern());
        String[] r = split(requested.pattern());
        if (g[1] != null && !g[1].equals(r[1])) {
            return false;
        }
        if (g[0].equals("*") || g[0].equals(r[0])) {
            return true;
        }
        return g[0].startsWith("*.") && !r[0].equals("*") && r[0].endsWith(g[0].substring(1));
    }

    private static String[] split(String pattern) {
        int colon = pattern.lastIndexOf(':');
        return colon < 0 ? new String[] {pattern, null} : new String[] {pattern.substring(0, colon), pattern.substring(colon + 1)};
    }

    private static String level(Compute compute) {
        return compute.level().equals("CUSTOM") ? Long.toString(compute.fuel()) : compute.level();
    }

    /** The journaled form: everything but the values of the environment variables. */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        LimitsJson.write(node.putObject("defaults"), defaults);
        ObjectNode c = node.putObject("ceilings");
        c.put("compute", policy.maxCompute().level()).put("fuel", policy.maxCompute().fuel()).put("ram_bytes", policy.maxRamBytes())
                .put("timeout_ms", policy.maxTimeout().toMillis());
        node.put("trust_declared", policy.trustDeclared()).put("max_depth", policy.maxDepth()).put("max_children", policy.maxChildren())
                .put("max_retries", policy.maxRetries());
        mounts.forEach(m -> node.withArray("mounts").add(m.toString()));
        hosts.forEach(h -> node.withArray("allowed_hosts").add(h.pattern()));
        env.keySet().stream().sorted().forEach(name -> node.withArray("env").add(name));
        return node;
    }

    /** Reads the journaled form back; the environment's values come from the task's secrets. */
    public static Approval fromJson(JsonNode node, Map<String, String> secrets) {
        Limits defaults = LimitsJson.read(node.path("defaults"));
        JsonNode c = node.path("ceilings");
        JobPolicy policy = JobPolicy.builder().maxCompute(LimitsJson.compute(c)).maxRamBytes(c.path("ram_bytes").asLong())
                .maxTimeout(Duration.ofMillis(c.path("timeout_ms").asLong())).trustDeclared(node.path("trust_declared").asBoolean())
                .maxDepth(node.path("max_depth").asInt(JobPolicy.DEFAULT_MAX_DEPTH))
                .maxChildren(node.path("max_children").asInt(JobPolicy.DEFAULT_MAX_CHILDREN))
                .maxRetries(node.path("max_retries").asInt(JobPolicy.BUILT_IN_MAX_RETRIES)).build();
        List<MountSpec> mounts = new ArrayList<>();
        node.path("mounts").forEach(m -> mounts.add(journaledMount(m.asText())));
        List<HostPattern> hosts = new ArrayList<>();
        node.path("allowed_hosts").forEach(h -> hosts.add(new HostPattern(h.asText())));
        Map<String, String> env = new LinkedHashMap<>();
        node.path("env").forEach(n -> {
            String value = secrets.get(n.asText());
            if (value != null) {
                env.put(n.asText(), value);
            }
        });
        return new Approval(defaults, policy, mounts, hosts, env);
    }

    /** A journaled grant, read without checking that the directory still exists: a child that asks for it is checked then. */
    private static MountSpec journaledMount(String text) {
        boolean readOnly = text.endsWith(":ro");
        String rest = text.substring(0, text.length() - 3);
        int sep = rest.indexOf("::");
        return new MountSpec(Path.of(rest.substring(0, sep)), rest.substring(sep + 2), readOnly);
    }
}
