package io.jcluster.cli.config;

import com.fasterxml.jackson.annotation.JsonValue;
import io.jcluster.cli.cgroup.Cgroup;

/**
 * A worker count: a number, or {@code auto} for one per CPU this process may use: the processors it
 * may run on and, under a CPU quota (a container's CPU limit), the quota rounded down, at least 1.
 */
public record Instances(int count) {
    public static final Instances AUTO = new Instances(0);

    public Instances {
        if (count < 0) throw new IllegalArgumentException("instances must be 'auto' or a number from 1");
    }

    public boolean auto() {
        return count == 0;
    }

    /** What {@code auto} comes to, and why, in a few words for {@code describe}. */
    public record Auto(int workers, String why) {}

    /** The number of workers to run on this machine. */
    public int resolve() {
        return auto() ? here().workers() : count;
    }

    /** What {@code auto} comes to for this process: its processors and its group's CPU quota. */
    public static Auto here() {
        return auto(Runtime.getRuntime().availableProcessors(), Cgroup.current().cpuQuota());
    }

    /**
     * What {@code auto} comes to with {@code processors} to run on (what the JVM says, which rounds a
     * quota up) and {@code quota} (null: none). A quota of 1.5 CPUs is one worker, whose JIT and GC
     * threads get the half CPU left: a second JVM would add its own memory and its own JIT and GC
     * work, and no CPU time. Below one CPU it is still one worker.
     */
    public static Auto auto(int processors, Cgroup.CpuQuota quota) {
        if (quota == null || quota.cpus() >= processors) {
            return new Auto(processors, "one per processor (" + processors + ")");
        }
        int down = (int) Math.floor(quota.cpus() + 1e-9);
        if (down < 1) {
            return new Auto(1, "the CPU quota of " + quota.text() + " (" + quota.file() + ") is below one CPU: 1 worker");
        }
        return new Auto(down, "the CPU quota of " + quota.text() + " (" + quota.file() + "), rounded down");
    }

    public static Instances parse(String text) {
        String t = text.trim();
        if (t.equals("auto") || t.equals("max")) return AUTO;
        try {
            int n = Integer.parseInt(t);
            if (n >= 1 && n <= 1024) return new Instances(n);
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw new IllegalArgumentException("'" + text + "' is not a worker count (write auto or a number from 1 to 1024)");
    }

    @JsonValue
    public Object json() {
        return auto() ? "auto" : count;
    }

    @Override
    public String toString() {
        return auto() ? "auto" : Integer.toString(count);
    }
}
