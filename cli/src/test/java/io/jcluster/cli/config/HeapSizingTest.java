package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HeapSizingTest {
    @Test
    void allHeapsTogetherFitInThreeQuartersOfMemory() {
        assertEquals(List.of("-XX:MaxRAMPercentage=25.00"), HeapSizing.args(List.of(), 1), "never more than the JDK's default");
        assertEquals(List.of("-XX:MaxRAMPercentage=25.00"), HeapSizing.args(List.of(), 3));
        assertEquals(List.of("-XX:MaxRAMPercentage=15.00"), HeapSizing.args(List.of(), 5));
        assertEquals(List.of("-XX:MaxRAMPercentage=2.34"), HeapSizing.args(List.of("-XX:+UseZGC"), 32));
    }

    @Test
    void jvmArgsThatSizeTheHeapWin() {
        for (String own : List.of("-Xmx512m", "-XX:MaxHeapSize=1g", "-XX:MaxRAMPercentage=50", "-XX:MaxRAM=4g", "-XX:MaxRAMFraction=2")) {
            assertEquals(List.of(), HeapSizing.args(List.of("-Dx=1", own), 8), own);
        }
        assertTrue(HeapSizing.describe(List.of("-Xmx1g"), 8).contains("sized by jvm_args"));
        assertTrue(HeapSizing.describe(List.of(), 5).contains("-XX:MaxRAMPercentage=15.00 per worker"));
    }

    /** The argument works on a real JVM: its heap maximum is that share of the memory the JVM sees. */
    @Test
    void aJvmGivenTheArgumentTakesThatShare() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(HeapSizing.args(List.of(), 6)); // 12.5 %
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
