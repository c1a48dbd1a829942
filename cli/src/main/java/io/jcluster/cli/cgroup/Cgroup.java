package io.jcluster.cli.cgroup;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The control group this process runs in, as far as the CPU and memory it may use go: a container's
 * (a pod's) CPU limit is a CFS quota, its memory limit a memory cgroup's limit. Reads cgroup v2
 * ({@code cpu.max}, {@code memory.max}, {@code memory.events}) where the unified hierarchy holds the
 * controller, else the v1 {@code cpu} and {@code memory} hierarchies ({@code cpu.cfs_quota_us},
 * {@code memory.limit_in_bytes}, {@code memory.oom_control}). A limit set on an ancestor group bounds
 * the process as well, so the lowest along the path up to the hierarchy's mount counts. Every read is
 * of files the kernel keeps; no limit, or no cgroup at all, reads as null.
 */
public final class Cgroup {
    /** A CPU quota: {@code cpus} CPUs' worth of time per period, set in {@code file}. */
    public record CpuQuota(double cpus, Path file) {
        /** As people write it: {@code 1.5 CPUs}. */
        public String text() {
            String n = new BigDecimal(cpus).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
            return n + (n.equals("1") ? " CPU" : " CPUs");
        }
    }

    /** A memory limit of {@code bytes}, set in {@code file}. */
    public record MemoryLimit(long bytes, Path file) {}

    /** Where one controller's files are: the process's own group, the hierarchy's mount, and which version. */
    private record Place(Path mount, Path dir, boolean v2) {}

    private static final Path PROC_CGROUP = Path.of("/proc/self/cgroup");
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static volatile Cgroup current;

    private final Place cpu;
    private final Place memory;
    private final long physicalMemory;

    private Cgroup(Place cpu, Place memory, long physicalMemory) {
        this.cpu = cpu;
        this.memory = memory;
        this.physicalMemory = physicalMemory;
    }

    /** This process's group (read once: a process does not move between groups on its own). */
    public static Cgroup current() {
        Cgroup c = current;
        if (c == null) {
            c = read(PROC_CGROUP, MOUNTINFO, physicalMemory(MEMINFO));
            current = c;
        }
        return c;
    }

    /**
     * The group of {@code procCgroup} ({@code /proc/<pid>/cgroup}) with the mounts of {@code mountinfo};
     * a memory limit at or above {@code physicalMemory} is no limit (the kernel writes "unlimited" as a huge number).
     */
    public static Cgroup read(Path procCgroup, Path mountinfo, long physicalMemory) {
        List<String> groups = lines(procCgroup);
        List<String> mounts = lines(mountinfo);
        return new Cgroup(place("cpu", groups, mounts), place("memory", groups, mounts), physicalMemory);
    }

    /** The CPU quota in force, or null when there is none. */
    public CpuQuota cpuQuota() {
        if (cpu == null) return null;
        CpuQuota lowest = null;
        for (Path dir = cpu.dir(); dir.startsWith(cpu.mount()); dir = dir.getParent()) {
            CpuQuota q = cpu.v2() ? quotaV2(dir) : quotaV1(dir);
            if (q != null && (lowest == null || q.cpus() < lowest.cpus())) lowest = q;
            if (dir.equals(cpu.mount())) break;
        }
        return lowest;
    }

    /** The memory limit in force, or null when there is none. */
    public MemoryLimit memoryLimit() {
        if (memory == null) return null;
        MemoryLimit lowest = null;
        for (Path dir = memory.dir(); dir.startsWith(memory.mount()); dir = dir.getParent()) {
            Path file = dir.resolve(memory.v2() ? "memory.max" : "memory.limit_in_bytes");
            Long bytes = number(read(file));
            if (bytes != null && bytes > 0 && bytes < physicalMemory && (lowest == null || bytes < lowest.bytes())) {
                lowest = new MemoryLimit(bytes, file);
            }
            if (dir.equals(memory.mount())) break;
        }
        return lowest;
    }

    /**
     * How many processes of this group the kernel's OOM killer has killed since the group was made
     * ({@code oom_kill} of {@code memory.events}, or of v1's {@code memory.oom_control}), or -1 when
     * unknown: what tells a worker killed for the group's memory limit from one killed by someone's kill -9.
     */
    public long oomKills() {
        if (memory == null) return -1;
        String text = read(memory.dir().resolve(memory.v2() ? "memory.events" : "memory.oom_control"));
        if (text == null) return -1;
        for (String line : text.split("\n")) {
            if (line.startsWith("oom_kill ")) {
                Long n = number(line.substring("oom_kill ".length()));
                return n == null ? -1 : n;
            }
        }
        return -1;
    }

    /** The directory of the memory controller's group, or null (for messages). */
    public Path memoryGroup() {
        return memory == null ? null : memory.dir();
    }

    private static CpuQuota quotaV1(Path dir) {
        Long quota = number(read(dir.resolve("cpu.cfs_quota_us")));
        Long period = number(read(dir.resolve("cpu.cfs_period_us")));
        if (quota == null || period == null || quota <= 0 || period <= 0) return null;
        return new CpuQuota((double) quota / period, dir.resolve("cpu.cfs_quota_us"));
    }

    private static CpuQuota quotaV2(Path dir) {
        String max = read(dir.resolve("cpu.max"));
        if (max == null) return null;
        String[] f = max.trim().split("\\s+");
        Long quota = number(f[0]);
        Long period = f.length > 1 ? number(f[1]) : Long.valueOf(100_000);
        if (quota == null || period == null || quota <= 0 || period <= 0) return null; // "max": no quota
        return new CpuQuota((double) quota / period, dir.resolve("cpu.max"));
    }

    /**
     * Where {@code controller}'s files are for this process: a v1 hierarchy that holds it, else the
     * unified (v2) one when its root lists the controller. The group's path in {@code /proc/self/cgroup}
     * is relative to the hierarchy's root; in a cgroup namespace that root is the mount's own.
     */
    private static Place place(String controller, List<String> groups, List<String> mounts) {
        String v1Path = null;
        String v2Path = null;
        for (String line : groups) {
            String[] f = line.split(":", 3);
            if (f.length < 3) continue;
            if (f[0].equals("0") && f[1].isEmpty()) v2Path = f[2];
            else if (List.of(f[1].split(",")).contains(controller)) v1Path = f[2];
        }
        Place v2 = null;
        for (String line : mounts) {
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (before.length < 5 || after.length < 3) continue;
            String root = unescape(before[3]);
            Path mount = Path.of(unescape(before[4]));
            if (after[0].equals("cgroup") && v1Path != null && List.of(after[2].split(",")).contains(controller)) {
                return new Place(mount, inside(mount, root, v1Path), false);
            }
            if (after[0].equals("cgroup2") && v2Path != null) {
                String controllers = read(mount.resolve("cgroup.controllers"));
                if (controllers != null && List.of(controllers.trim().split("\\s+")).contains(controller)) {
                    v2 = new Place(mount, inside(mount, root, v2Path), true);
                }
            }
        }
        return v2;
    }

    private static Path inside(Path mount, String root, String path) {
        String rel = path;
        if (!root.equals("/") && (path.equals(root) || path.startsWith(root + "/"))) rel = path.substring(root.length());
        rel = rel.startsWith("/") ? rel.substring(1) : rel;
        Path dir = rel.isEmpty() ? mount : mount.resolve(rel).normalize();
        return dir.startsWith(mount) ? dir : mount;
    }

    /** mountinfo escapes spaces, tabs, newlines and backslashes as octal. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static long physicalMemory(Path meminfo) {
        for (String line : lines(meminfo)) {
            if (line.startsWith("MemTotal:")) {
                Long kb = number(line.substring("MemTotal:".length()).replace("kB", ""));
                if (kb != null) return kb * 1024;
            }
        }
        return Long.MAX_VALUE;
    }

    private static Long number(String s) {
        if (s == null) return null;
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null; // "max", "-1" parses; anything else is no number
        }
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return null;
        }
    }
}
