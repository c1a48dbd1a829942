package io.jcluster.cli.config;

import io.jcluster.cli.cgroup.Cgroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Heap sizes that let every worker JVM of an app fit: a JVM takes a quarter of the machine's (or
 * the container's) memory by default, so five workers in a pod can each take 25 % of its limit and
 * get it OOM-killed. Unless {@code jvm_args} size the heap themselves, each worker gets
 * {@code -XX:MaxRAMPercentage} = 75 / (workers + spares + 1), at most 25 (container-aware, as the
 * JDK reads the cgroup limit). The one more is the worker a reload (or a recycle, or a memory
 * replacement) runs beside the one it replaces, so the heaps fit while it does. Every worker also
 * exits on an {@code OutOfMemoryError} (and is restarted), unless {@code jvm_args} say what to do
 * on one.
 */
public final class HeapSizing {
    /** The share of memory all of an app's heaps may take together, in percent. */
    static final double ALL_HEAPS_PERCENT = 75.0;
    /** A worker's share never goes above the JDK's own default. */
    static final double MAX_PERCENT = 25.0;
    /** What the primary takes (measured: about 55 MiB of RSS with a few workers). */
    static final long PRIMARY_BYTES = 64L << 20;
    /** What a worker's JVM takes beside its heap: metaspace, code, threads, GC (hello-jdk 47 MiB, hello-netty 75 MiB). */
    static final long BESIDE_HEAP_BYTES = 64L << 20;
    /** Exit on the first OutOfMemoryError: a JVM that lost a thread to one is rarely of use. */
    static final String EXIT_ON_OOM = "-XX:+ExitOnOutOfMemoryError";
    private static final List<String> SIZING = List.of("-Xmx", "-XX:MaxHeapSize=", "-XX:MaxRAMPercentage=",
            "-XX:MaxRAMFraction=", "-XX:MaxRAM=");

    private HeapSizing() {}

    /** The JVM arguments jcluster adds for {@code workers} JVMs (spares count): none of its own where {@code jvmArgs} choose. */
    public static List<String> args(List<String> jvmArgs, int workers) {
        List<String> args = new ArrayList<>(2);
        if (!sized(jvmArgs)) args.add("-XX:MaxRAMPercentage=" + String.format(Locale.ROOT, "%.2f", percent(workers)));
        if (jvmArgs.stream().noneMatch(a -> a.contains("OnOutOfMemoryError"))) args.add(EXIT_ON_OOM);
        return args;
    }

    /** Each worker's share of memory, in percent, when jcluster sizes the heaps of {@code workers} JVMs. */
    public static double percent(int workers) {
        return Math.min(MAX_PERCENT, ALL_HEAPS_PERCENT / (Math.max(1, workers) + 1));
    }

    /** Whether {@code jvmArgs} size the heap themselves. */
    public static boolean sized(List<String> jvmArgs) {
        for (String a : jvmArgs) {
            for (String s : SIZING) {
                if (a.startsWith(s)) return true;
            }
        }
        return false;
    }

    /** What {@code describe} says of it. */
    public static String describe(List<String> jvmArgs, int workers) {
        if (sized(jvmArgs)) return "heap: sized by jvm_args";
        Cgroup.MemoryLimit limit = Cgroup.current().memoryLimit();
        return "heap: " + args(jvmArgs, workers).get(0) + " per worker (jcluster: " + (int) ALL_HEAPS_PERCENT + "% of "
                + (limit == null ? "memory" : "the memory limit, " + new ByteSize(limit.bytes()).human() + ",") + " over "
                + workers + " JVM" + (workers == 1 ? "" : "s") + " and one more for a reload; set -Xmx in jvm_args to choose)";
    }

    /**
     * Why one worker cannot fit in {@code limit} with these {@code jvmArgs}, or null when it can: the
     * primary, the worker's JVM beside its heap, and its heap (-Xmx, or its share of the limit) must
     * all fit. The estimate is low on purpose (small apps need about that); it catches a heap larger
     * than the limit, or a limit no JVM fits in.
     */
    public static String tooSmall(List<String> jvmArgs, Cgroup.MemoryLimit limit) {
        if (limit == null) return null;
        long fixed = PRIMARY_BYTES + BESIDE_HEAP_BYTES;
        Long heap = maxHeap(jvmArgs);
        String heapText;
        long need;
        if (heap != null) {
            need = fixed + heap;
            heapText = "its heap of " + new ByteSize(heap).human() + " (" + heapArg(jvmArgs) + ")";
        } else {
            double percent = sized(jvmArgs) ? ramPercent(jvmArgs) : percent(1);
            need = (long) Math.ceil(fixed / (1 - percent / 100.0));
            heapText = "its heap of " + String.format(Locale.ROOT, "%.0f", percent) + "% of the limit";
        }
        need = (need + (1L << 20) - 1) & -(1L << 20); // whole MiB, rounded up: the figure a person writes down
        if (limit.bytes() >= need) return null;
        return "the memory limit of this cgroup, " + new ByteSize(limit.bytes()).human() + " (" + limit.file()
                + "), is below what one worker needs: " + new ByteSize(PRIMARY_BYTES).human() + " for the primary, about "
                + new ByteSize(BESIDE_HEAP_BYTES).human() + " for the worker's JVM beside its heap, and " + heapText + ": "
                + new ByteSize(need).human() + " at least. Raise the limit to " + new ByteSize(need).human() + " or more"
                + (heap != null ? ", or make the heap smaller" : "");
    }

    /** The heap that {@code -Xmx} or {@code -XX:MaxHeapSize} give, or null (the last one counts, as for the JVM). */
    public static Long maxHeap(List<String> jvmArgs) {
        Long heap = null;
        for (String a : jvmArgs) {
            String v = a.startsWith("-Xmx") ? a.substring(4) : a.startsWith("-XX:MaxHeapSize=") ? a.substring(16) : null;
            if (v == null) continue;
            Long bytes = jvmSize(v);
            if (bytes != null) heap = bytes;
        }
        return heap;
    }

    private static String heapArg(List<String> jvmArgs) {
        String arg = null;
        for (String a : jvmArgs) {
            if (a.startsWith("-Xmx") || a.startsWith("-XX:MaxHeapSize=")) arg = a;
        }
        return arg;
    }

    /** The share {@code -XX:MaxRAMPercentage} or {@code -XX:MaxRAMFraction} give, else the JDK's 25. */
    private static double ramPercent(List<String> jvmArgs) {
        double percent = MAX_PERCENT;
        for (String a : jvmArgs) {
            try {
                if (a.startsWith("-XX:MaxRAMPercentage=")) percent = Double.parseDouble(a.substring(21));
                else if (a.startsWith("-XX:MaxRAMFraction=")) percent = 100.0 / Long.parseLong(a.substring(19));
            } catch (NumberFormatException e) {
                // the JVM refuses it at start, with its own message
            }
        }
        return Math.min(percent, 99);
    }

    /** A JVM size: {@code 512m}, {@code 2G}, {@code 1024k}, or bytes. */
    static Long jvmSize(String v) {
        if (v.isEmpty()) return null;
        char unit = Character.toLowerCase(v.charAt(v.length() - 1));
        long factor = switch (unit) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        try {
            return Long.parseLong(factor == 1 ? v : v.substring(0, v.length() - 1)) * factor;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
