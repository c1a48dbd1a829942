package io.jcluster.cli.primary.launch;

import io.jcluster.cli.primary.supervisor.Loop;
import io.jcluster.cli.logs.PrimaryLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The share of the CPU a worker JVM gets while it starts beside workers that serve ({@code [reload]
 * start_share}): a JVM's start (class loading, JIT compiling, GC threads) takes the cores from the
 * serving workers. Lowered at the spawn, restored once the worker is ready or after a bound: as long as
 * the longest start of the app's workers at their full share so far (the first start's, typically), so
 * that on a saturated machine, where a low share gets next to nothing, it adds at most that long to a
 * start; half {@code ready_timeout} before any start at full share was seen.
 *
 * <p>Every worker runs in a session of its own ({@code setsid}), and with the kernel's autogroup
 * ({@code kernel.sched_autogroup_enabled}, for tasks of the root cpu cgroup: a VM, a laptop, a server
 * without service cgroups) the scheduler shares the CPU between sessions first: a thread's own nice
 * value counts only inside its session, so {@code nice java} would change nothing. The autogroup's
 * nice ({@code /proc/<pid>/autogroup}) is the session's weight: any user may raise it for its own
 * processes and set it back to 0. Where autogroup does not apply (the primary in a cpu cgroup of its
 * own: a systemd service, a container), a cgroup-v1 {@code cpu} hierarchy the primary may write gets a
 * child cgroup with lower {@code cpu.shares} for starting workers. With neither, starts keep their
 * full share, and {@link #unavailable()} says why.
 */
public final class StartShare {
    private static final Path AUTOGROUP_ENABLED = Path.of("/proc/sys/kernel/sched_autogroup_enabled");
    private static final Path CPU_V1 = Path.of("/sys/fs/cgroup/cpu");
    /** A nice-0 weight; each nice step is about 1.25 times less. */
    private static final int FULL_SHARES = 1024;

    private final PrimaryLog log;
    /** Workers whose share is lowered now, by pid. */
    private final Set<Long> lowered = new HashSet<>();
    /** Workers not ready yet: their app and when they were spawned, by pid. */
    private final Map<Long, Start> starts = new HashMap<>();
    /** Per app, the longest start to ready of a worker that kept its full share throughout. */
    private final Map<String, Duration> fullShareStart = new HashMap<>();
    private final boolean autogroup;
    /** The cgroup-v1 cpu cgroup the primary runs in, when autogroup does not apply and it may write it; else null. */
    private final Path cgroup;
    private final String unavailable;

    private StartShare(boolean autogroup, Path cgroup, String unavailable, PrimaryLog log) {
        this.log = log;
        this.autogroup = autogroup;
        this.cgroup = cgroup;
        this.unavailable = unavailable;
    }

    /** What this host offers, for workers that run in sessions of their own ({@code ownSession}). */
    static StartShare detect(boolean ownSession, PrimaryLog log) {
        if (!ownSession) return new StartShare(false, null, "workers share the primary's session (no /usr/bin/setsid)", log);
        String cpuPath = cgroupPath(true);
        boolean rootCgroup;
        if (cpuPath != null) {
            rootCgroup = cpuPath.equals("/");
        } else { // cgroup v2 only: tasks are in the root cpu group unless the cpu controller reaches theirs
            String v2 = cgroupPath(false);
            String controlled = read(Path.of("/sys/fs/cgroup/cgroup.subtree_control"));
            rootCgroup = v2 == null || v2.equals("/") || controlled == null || !List.of(controlled.split(" ")).contains("cpu");
        }
        if (rootCgroup && "1".equals(read(AUTOGROUP_ENABLED)) && Files.isReadable(Path.of("/proc/self/autogroup"))) {
            return new StartShare(true, null, null, log);
        }
        Path own = cpuPath == null ? null : CPU_V1.resolve(cpuPath.substring(1));
        if (own != null && Files.isWritable(own.resolve("cgroup.procs")) && Files.isWritable(own)) {
            return new StartShare(false, own, null, log);
        }
        return new StartShare(false, null, rootCgroup ? "the kernel's autogroup is off and no cpu cgroup can be written"
                : "the primary runs in the cpu cgroup " + cpuPath + ", which it cannot write", log);
    }

    /** Why starting workers keep their full CPU share here, or null when it can be lowered. */
    String unavailable() {
        return unavailable;
    }

    /** How: "autogroup", "cgroup <path>", or null. */
    String way() {
        return autogroup ? "autogroup" : cgroup != null ? "cgroup " + cgroup : null;
    }

    /** The autogroup nice that weighs {@code share} percent of a nice-0 one (each step is 1.25 times less). */
    static int nice(int share) {
        if (share >= 100) return 0;
        return (int) Math.min(19, Math.round(Math.log(100.0 / Math.max(1, share)) / Math.log(1.25)));
    }

    /** A worker's start: its app, when it was spawned ({@link System#nanoTime}), whether its share was ever lowered. */
    private static final class Start {
        final String app;
        final long spawned;
        boolean lowered;

        Start(String app, long spawned) {
            this.app = app;
            this.spawned = spawned;
        }
    }

    /** {@code pid}, a worker of {@code app}, was spawned now ({@code nanos}). Loop. */
    void spawned(long pid, String app, long nanos) {
        starts.put(pid, new Start(app, nanos));
    }

    /**
     * How long a worker of {@code app} keeps a lowered share at most: the longest start of its workers at
     * their full share (at least {@code floor}), or {@code fallback} before one was seen; never more than
     * {@code fallback}.
     */
    Duration bound(String app, Duration fallback) {
        Duration full = fullShareStart.get(app);
        if (full == null) return fallback;
        Duration atLeast = full.compareTo(FLOOR) < 0 ? FLOOR : full;
        return atLeast.compareTo(fallback) > 0 ? fallback : atLeast;
    }

    /** The shortest bound: a start cache can make a start at full share last less than a second. */
    private static final Duration FLOOR = Duration.ofSeconds(2);

    /**
     * {@code pid} starts while other workers of its app serve: it gets {@code share} percent of a worker's
     * CPU share until it is ready ({@link #ready}) or the {@link #bound} has passed ({@code fallback}: half
     * the app's ready timeout). Loop.
     */
    void starting(long pid, String app, int share, Duration fallback, Loop loop) {
        if (share >= 100 || unavailable != null) return;
        Start start = starts.get(pid);
        if (start != null) start.lowered = true; // not a start at full share, even if lowering fails below
        Duration bound = bound(app, fallback);
        loop.offLoop(() -> failure(() -> lower(pid, share, app)), failure -> {
            if (failure != null) {
                log.info("worker pid %d starts at its full CPU share: lowering it (%s) failed: %s", pid, way(), failure);
                return;
            }
            lowered.add(pid);
            loop.schedule(bound, () -> restoreShare(pid, loop));
        });
    }

    /** {@code pid} is ready: its full share back, and its start time counts when it kept its full share. Loop. */
    void ready(long pid, long nanos, Loop loop) {
        Start start = starts.remove(pid);
        if (start != null && !start.lowered) {
            fullShareStart.merge(start.app, Duration.ofNanos(nanos - start.spawned), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        restoreShare(pid, loop);
    }

    /** {@code pid} is ready or its bound passed: its full share back. Loop. */
    private void restoreShare(long pid, Loop loop) {
        if (!lowered.remove(pid)) return;
        loop.offLoop(() -> failure(() -> restore(pid)), failure -> {
            if (failure != null) log.info("worker pid %d: giving it its full CPU share back (%s) failed: %s", pid, way(), failure);
        });
    }

    /** A change to a process's share, off the loop. */
    private interface ShareChange {
        void run() throws IOException, InterruptedException;
    }

    /** Runs {@code change}; null when it worked, else why not. */
    private static String failure(ShareChange change) {
        try {
            change.run();
            return null;
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** {@code pid} exited. Loop. */
    void exited(long pid) {
        lowered.remove(pid);
        starts.remove(pid);
    }

    /** Lowers {@code pid}'s share to {@code share} percent; off the loop (it may wait for the session to exist). */
    void lower(long pid, int share, String app) throws IOException, InterruptedException {
        if (autogroup) {
            setAutogroupNice(pid, nice(share));
        } else if (cgroup != null) {
            Path starting = cgroup.resolve("jcluster-" + app + "-starting");
            Files.createDirectories(starting);
            Files.writeString(starting.resolve("cpu.shares"), Integer.toString(Math.max(2, FULL_SHARES * share / 100)));
            Files.writeString(starting.resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    /** Gives {@code pid} its full share back; off the loop. */
    void restore(long pid) throws IOException, InterruptedException {
        if (autogroup) {
            setAutogroupNice(pid, 0);
        } else if (cgroup != null) {
            Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(pid));
        }
    }

    /** Removes the cgroup of starting workers, if one was made and is empty (the primary stops). */
    void close(String app) {
        if (cgroup == null) return;
        try {
            Files.deleteIfExists(cgroup.resolve("jcluster-" + app + "-starting"));
        } catch (IOException e) {
            // a worker still in it, or already gone: the kernel removes nothing by itself, but it costs nothing
        }
    }

    /**
     * Writes the nice of {@code pid}'s autogroup, once {@code pid} has a session of its own (right after the
     * spawn it may still be in the primary's: that one is never touched). An unprivileged writer may change
     * an autogroup's nice once per 100 ms, host-wide (EAGAIN): it tries again.
     */
    private static void setAutogroupNice(long pid, int nice) throws IOException, InterruptedException {
        Path file = Path.of("/proc", Long.toString(pid), "autogroup");
        String own = group(read(Path.of("/proc/self/autogroup")));
        for (int attempt = 0; ; attempt++) {
            String theirs = read(file);
            if (theirs == null) return; // exited meanwhile
            if (!group(theirs).equals(own)) {
                try {
                    Files.writeString(file, Integer.toString(nice));
                    return;
                } catch (IOException e) {
                    if (attempt >= 20) throw e; // EAGAIN: another autogroup's nice changed less than 100 ms ago
                }
            } else if (attempt >= 20) {
                throw new IOException("pid " + pid + " has no session of its own");
            }
            Thread.sleep(attempt < 5 ? 5 : 110);
        }
    }

    /** {@code /autogroup-42} of {@code /autogroup-42 nice 0}. */
    private static String group(String line) {
        return line == null ? "" : line.split(" ")[0];
    }

    /**
     * The primary's path ({@code /} at the root) in the cgroup-v1 cpu hierarchy ({@code v1cpu}) or the
     * cgroup-v2 one, or null when there is none.
     */
    private static String cgroupPath(boolean v1cpu) {
        String text = read(Path.of("/proc/self/cgroup"));
        if (text == null) return null;
        for (String line : text.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length < 3) continue;
            if (v1cpu ? List.of(f[1].split(",")).contains("cpu") : f[0].equals("0") && f[1].isEmpty()) return f[2];
        }
        return null;
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        }
    }
}
