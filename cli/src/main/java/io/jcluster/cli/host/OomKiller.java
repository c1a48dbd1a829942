package io.jcluster.cli.host;

import io.jcluster.cli.cgroup.Cgroup;
import io.jcluster.cli.config.ByteSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Workers and memory, as the kernel and the JVM tell it: which process the kernel's OOM killer should
 * pick in the primary's group (a worker, never the primary), and whether a worker that ended ran out
 * of memory: its heap (the JVM's own {@code OutOfMemoryError}, on which workers exit) or its group's
 * limit (a SIGKILL that the group's count of OOM kills owns to). One per primary, loop thread only.
 */
public final class OomKiller {
    /** What the JVM prints when it exits on an {@code OutOfMemoryError} ({@code -XX:+ExitOnOutOfMemoryError}). */
    static final String JVM_EXIT = "Terminating due to java.lang.OutOfMemoryError";
    /** How much more likely than the primary a worker is to be picked, in {@code oom_score_adj} points (of 1000). */
    static final int WORKER_BIAS = 500;

    private final Cgroup group;
    private long killsSeen;

    public OomKiller(Cgroup group) {
        this.group = group;
        this.killsSeen = Math.max(0, group.oomKills());
    }

    /**
     * Why a worker that ended with {@code code} (128 + n for signal n) and these last output lines ran
     * out of memory, or null when nothing says it did.
     */
    public String reason(int code, List<String> lastLines) {
        for (int i = lastLines.size() - 1; i >= 0; i--) {
            String line = lastLines.get(i);
            int at = line.indexOf(JVM_EXIT);
            if (at >= 0) return "out of memory: " + line.substring(at + "Terminating due to ".length()).strip();
        }
        if (code != 128 + 9) return null;
        long kills = group.oomKills();
        if (kills <= killsSeen) return null;
        killsSeen++;
        Cgroup.MemoryLimit limit = group.memoryLimit();
        return "killed by the kernel's OOM killer: the memory limit of its cgroup"
                + (limit == null ? "" : " (" + new ByteSize(limit.bytes()).human() + ")") + " was reached";
    }

    /**
     * Makes the kernel's OOM killer pick the worker {@code pid} before the primary: its
     * {@code oom_score_adj} goes {@value #WORKER_BIAS} above the primary's (raising it needs no
     * privilege). Returns false when the kernel would not have it.
     */
    public static boolean preferWorker(long pid) {
        try {
            int own = Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).trim());
            Path worker = Path.of("/proc", Long.toString(pid), "oom_score_adj");
            int current = Integer.parseInt(Files.readString(worker).trim());
            int wanted = Math.min(1000, own + WORKER_BIAS);
            if (current >= wanted) return true;
            Files.writeString(worker, Integer.toString(wanted));
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // gone already, or no /proc: the kernel picks by size alone
        }
    }
}
