package io.jcluster.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A pod's limits on this machine: a control group of its own with a CPU quota and a memory limit,
 * made under the test's own group (v1: in the {@code cpu} and {@code memory} hierarchies) or, where
 * the unified hierarchy holds the controllers, a cgroup v2 group at its root. {@link #wrap} runs a
 * command inside it; {@link #close} kills every process left in it, by pid, and removes the group.
 * Needs root, as the kubelet does.
 */
final class Pod implements AutoCloseable {
    private static final Path FS = Path.of("/sys/fs/cgroup");
    private static final long PERIOD = 100_000;

    private final boolean v2;
    private final Path cpu;
    private final Path memory;

    private Pod(boolean v2, Path cpu, Path memory) {
        this.v2 = v2;
        this.cpu = cpu;
        this.memory = memory;
    }

    /** Why no pod can be made here, or null. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) return "root (cgroups are made by root, as the kubelet makes them)";
        if (unified()) return Files.isWritable(FS) ? null : "a writable cgroup v2 hierarchy at " + FS;
        if (!Files.isWritable(FS.resolve("cpu")) || !Files.isWritable(FS.resolve("memory"))) {
            return "writable cgroup v1 cpu and memory hierarchies at " + FS + "/cpu and " + FS + "/memory";
        }
        return null;
    }

    /** A new group {@code name} with {@code cpus} CPUs' worth of quota and {@code memoryBytes} of memory. */
    static Pod create(String name, double cpus, long memoryBytes) throws IOException {
        Pod pod;
        if (unified()) {
            String controllers = Files.readString(FS.resolve("cgroup.subtree_control"));
            if (!controllers.contains("cpu") || !controllers.contains("memory")) {
                Files.writeString(FS.resolve("cgroup.subtree_control"), "+cpu +memory");
            }
            Path dir = Files.createDirectory(FS.resolve(name));
            pod = new Pod(true, dir, dir);
        } else {
            pod = new Pod(false, Files.createDirectory(FS.resolve("cpu").resolve(own("cpu")).resolve(name)),
                    Files.createDirectory(FS.resolve("memory").resolve(own("memory")).resolve(name)));
        }
        pod.cpus(cpus);
        pod.memory(memoryBytes);
        return pod;
    }

    /** Sets the CPU quota. */
    void cpus(double cpus) throws IOException {
        long quota = Math.round(cpus * PERIOD);
        if (v2) {
            Files.writeString(cpu.resolve("cpu.max"), quota + " " + PERIOD);
        } else {
            Files.writeString(cpu.resolve("cpu.cfs_period_us"), Long.toString(PERIOD));
            Files.writeString(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota));
        }
    }

    /** Sets the memory limit, swap included (a pod has none): above it the kernel's OOM killer picks a process of the pod. */
    void memory(long bytes) throws IOException {
        if (v2) {
            Files.writeString(memory.resolve("memory.max"), Long.toString(bytes));
            if (Files.exists(memory.resolve("memory.swap.max"))) Files.writeString(memory.resolve("memory.swap.max"), "0");
            return;
        }
        Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
        long current = Long.parseLong(Files.readString(memory.resolve("memory.limit_in_bytes")).trim());
        // memory.memsw.limit_in_bytes must stay at or above memory.limit_in_bytes: raise first what must be raised
        if (bytes > current) {
            if (Files.exists(memsw)) Files.writeString(memsw, Long.toString(bytes));
            Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(bytes));
        } else {
            Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(bytes));
            if (Files.exists(memsw)) Files.writeString(memsw, Long.toString(bytes));
        }
    }

    /** The memory group's directory: the pod as the kernel (and the JVMs in it) see it. */
    Path memoryGroup() {
        return memory;
    }

    /** {@code command}, run inside the pod: a shell joins its groups, then becomes the command. */
    List<String> wrap(List<String> command) {
        String join = v2 ? "echo $$ > '" + cpu.resolve("cgroup.procs") + "'"
                : "echo $$ > '" + cpu.resolve("cgroup.procs") + "' && echo $$ > '" + memory.resolve("cgroup.procs") + "'";
        List<String> wrapped = new ArrayList<>(List.of("sh", "-c", join + " && exec \"$@\"", "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** The pids of the processes in the pod, in its groups and the groups made inside them (pids as the host numbers them). */
    List<Long> pids() {
        TreeSet<Long> pids = new TreeSet<>();
        for (Path dir : groups()) {
            try {
                for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                    if (!line.isBlank()) pids.add(Long.parseLong(line.trim()));
                }
            } catch (IOException e) {
                // removed already
            }
        }
        return new ArrayList<>(pids);
    }

    /** The groups made inside the pod's own (a primary's group for its starting workers). */
    List<Path> childGroups() {
        List<Path> children = groups();
        children.removeAll(List.of(cpu, memory));
        return children;
    }

    /** The pod's groups and every group below them, deepest first (the order they can be removed in). */
    private List<Path> groups() {
        List<Path> all = new ArrayList<>();
        for (Path dir : v2 ? List.of(cpu) : List.of(cpu, memory)) {
            try (Stream<Path> tree = Files.walk(dir)) {
                tree.filter(Files::isDirectory).forEach(all::add);
            } catch (IOException | UncheckedIOException e) {
                // removed already
            }
        }
        all.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return all;
    }

    /** How many processes of the pod the kernel's OOM killer has killed. */
    long oomKills() throws IOException {
        String text = Files.readString(memory.resolve(v2 ? "memory.events" : "memory.oom_control"));
        for (String line : text.split("\n")) {
            if (line.startsWith("oom_kill ")) return Long.parseLong(line.substring(9).trim());
        }
        return -1;
    }

    /** Kills every process left in the pod by pid, then removes its groups, those made inside it first (a primary killed before it could). */
    @Override
    public void close() throws Exception {
        for (int round = 0; round < 100 && !pids().isEmpty(); round++) {
            for (long pid : pids()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            Thread.sleep(100);
        }
        for (Path dir : groups()) {
            for (int i = 0; i < 50 && Files.exists(dir); i++) {
                try {
                    Files.delete(dir); // rmdir: a group goes once its last process has
                } catch (IOException e) {
                    Thread.sleep(100);
                }
            }
        }
        if (Files.exists(cpu) || Files.exists(memory)) throw new IOException("could not remove the pod's groups " + cpu + ", " + memory);
    }

    /** Whether cgroup v2 is this machine's main hierarchy (it holds the cpu and memory controllers). */
    private static boolean unified() {
        try {
            String c = Files.readString(FS.resolve("cgroup.controllers"));
            return c.contains("cpu") && c.contains("memory");
        } catch (IOException e) {
            return false;
        }
    }

    /** This process's group in the v1 hierarchy of {@code controller}, relative to its root. */
    private static String own(String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains(controller)) return f[2].replaceFirst("^/", "");
        }
        return "";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "pod %s (cgroup %s)", cpu.getFileName(), v2 ? "v2" : "v1");
    }
}
