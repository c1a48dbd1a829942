package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import io.jcluster.cli.cgroup.Cgroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HeapSizingTest {
    private static final String EXIT = "-XX:+ExitOnOutOfMemoryError";

    @Test
    void allHeapsTogetherFitInThreeQuartersOfMemoryWithOneMoreForAReload() {
        assertEquals(List.of("-XX:MaxRAMPercentage=25.00", EXIT), HeapSizing.args(List.of(), 1), "never more than the JDK's default");
        assertEquals(List.of("-XX:MaxRAMPercentage=25.00", EXIT), HeapSizing.args(List.of(), 2), "2 + 1 during a reload: 75 %");
        assertEquals(List.of("-XX:MaxRAMPercentage=18.75", EXIT), HeapSizing.args(List.of(), 3));
        assertEquals(List.of("-XX:MaxRAMPercentage=12.50", EXIT), HeapSizing.args(List.of(), 5));
        assertEquals(List.of("-XX:MaxRAMPercentage=2.27", EXIT), HeapSizing.args(List.of("-XX:+UseZGC"), 32));
        for (int n = 1; n <= 64; n++) {
            assertTrue((n + 1) * HeapSizing.percent(n) <= 75.0 + 1e-9, n + " JVMs and a reload's one more: " + (n + 1) * HeapSizing.percent(n));
        }
    }

    @Test
    void jvmArgsThatSizeTheHeapOrHandleOutOfMemoryWin() {
        for (String own : List.of("-Xmx512m", "-XX:MaxHeapSize=1g", "-XX:MaxRAMPercentage=50", "-XX:MaxRAM=4g", "-XX:MaxRAMFraction=2")) {
            assertEquals(List.of(EXIT), HeapSizing.args(List.of("-Dx=1", own), 8), own);
        }
        for (String own : List.of("-XX:+CrashOnOutOfMemoryError", "-XX:OnOutOfMemoryError=kill -3 %p", "-XX:-ExitOnOutOfMemoryError")) {
            assertEquals(List.of("-XX:MaxRAMPercentage=25.00"), HeapSizing.args(List.of(own), 1), own);
        }
        assertTrue(HeapSizing.describe(List.of("-Xmx1g"), 8).contains("sized by jvm_args"));
        assertTrue(HeapSizing.describe(List.of(), 5).contains("-XX:MaxRAMPercentage=12.50 per worker"));
    }

    @Test
    void aLimitBelowWhatOneWorkerNeedsIsNamedWithTheNeed() {
        Path file = Path.of("/sys/fs/cgroup/memory/pod/memory.limit_in_bytes");
        String big = HeapSizing.tooSmall(List.of("-Xmx2g"), new Cgroup.MemoryLimit(1536L << 20, file));
        assertTrue(big.contains("1536 MiB (" + file + ")") && big.contains("2048 MiB (-Xmx2g)") && big.contains("2176 MiB at least")
                && big.contains("make the heap smaller"), big);
        assertNull(HeapSizing.tooSmall(List.of("-Xmx256m"), new Cgroup.MemoryLimit(1536L << 20, file)));
        assertNull(HeapSizing.tooSmall(List.of("-Xmx2g"), null), "no limit, nothing to fit in");
        // jcluster's share, 25 % of the limit: 128 MiB beside it is 3/4 of the limit, so 171 MiB at least
        String tiny = HeapSizing.tooSmall(List.of(), new Cgroup.MemoryLimit(160L << 20, file));
        assertTrue(tiny.contains("160 MiB") && tiny.contains("25% of the limit") && tiny.contains("171 MiB at least"), tiny);
        assertNull(HeapSizing.tooSmall(List.of(), new Cgroup.MemoryLimit(172L << 20, file)));
        assertEquals(3L << 30, HeapSizing.maxHeap(List.of("-Xmx1g", "-XX:MaxHeapSize=3G")), "the last one counts");
        assertEquals(512L << 10, HeapSizing.jvmSize("512k"));
        assertNull(HeapSizing.jvmSize("lots"));
    }

    /** The argument works on a real JVM: its heap maximum is that share of the memory the JVM sees. */
    @Test
    void aJvmGivenTheArgumentTakesThatShare() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(HeapSizing.args(List.of(), 5)); // 12.5 %
        cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        long maxHeap = 0;
        for (String line : out.split("\n")) {
            if (line.contains(" MaxHeapSize ")) maxHeap = Long.parseLong(line.trim().split("\\s+")[3]);
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        double share = maxHeap / (double) memory;
        assertTrue(share > 0.10 && share < 0.13, "12.5% of " + memory + " bytes, got " + maxHeap + " (" + share + ")");
    }
}
