package io.jcluster.cli.config;

import java.util.List;
import java.util.Locale;

/**
 * Heap sizes that let every worker JVM of an app fit: a JVM takes a quarter of the machine's (or
 * the container's) memory by default, so five workers in a pod can each take 25 % of its limit and
 * get it OOM-killed. Unless {@code jvm_args} size the heap themselves, each worker gets
 * {@code -XX:MaxRAMPercentage} = 75 / workers (container-aware, as the JDK reads the cgroup limit).
 */
public final class HeapSizing {
    /** The share of memory all of an app's heaps may take together, in percent. */
    static final double ALL_HEAPS_PERCENT = 75.0;
    /** A worker's share never goes above the JDK's own default. */
    static final double MAX_PERCENT = 25.0;
    private static final List<String> SIZING = List.of("-Xmx", "-XX:MaxHeapSize=", "-XX:MaxRAMPercentage=",
            "-XX:MaxRAMFraction=", "-XX:MaxRAM=");

    private HeapSizing() {}

    /** The JVM arguments jcluster adds for {@code workers} workers (spares count): none when {@code jvmArgs} size the heap. */
    public static List<String> args(List<String> jvmArgs, int workers) {
        for (String a : jvmArgs) {
            for (String s : SIZING) {
                if (a.startsWith(s)) return List.of();
            }
        }
        double percent = Math.min(MAX_PERCENT, ALL_HEAPS_PERCENT / Math.max(1, workers));
        return List.of("-XX:MaxRAMPercentage=" + String.format(Locale.ROOT, "%.2f", percent));
    }

    /** What {@code describe} says of it. */
    public static String describe(List<String> jvmArgs, int workers) {
        List<String> args = args(jvmArgs, workers);
        if (args.isEmpty()) return "heap: sized by jvm_args";
        return "heap: " + args.get(0) + " per worker (jcluster: " + (int) ALL_HEAPS_PERCENT + "% of memory over " + workers
                + " worker" + (workers == 1 ? "" : "s") + "; set -Xmx in jvm_args to choose)";
    }
}
