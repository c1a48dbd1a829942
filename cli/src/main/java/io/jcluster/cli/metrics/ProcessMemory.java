package io.jcluster.cli.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of a process, from {@code /proc/<pid>/statm} (Linux): a line of page counts the
 * kernel writes without walking the process's status, so reading it every second costs little.
 */
public final class ProcessMemory {
    /** The page size statm counts in: 4 KiB on x86_64 and on most aarch64 kernels. */
    private static final long PAGE = pageSize();

    private ProcessMemory() {}

    /** The process's resident set size in bytes, or null when it cannot be read (gone, not Linux). */
    public static Long rssBytes(long pid) {
        if (pid <= 0) return null;
        byte[] statm;
        try {
            statm = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "statm"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        Long pages = residentPages(new String(statm, StandardCharsets.ISO_8859_1));
        return pages == null ? null : pages * PAGE;
    }

    /**
     * The process's proportional set size in bytes ({@code Pss} of {@code /proc/<pid>/smaps_rollup}):
     * its private pages plus its share of the pages it maps with others, such as a cache file every
     * worker maps. The kernel walks the process's pages for it: read it on request, not every second.
     * Null when it cannot be read.
     */
    public static Long pssBytes(long pid) {
        if (pid <= 0) return null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("Pss:")) return Long.parseLong(line.substring(4).replace("kB", "").trim()) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** The second field of a statm line (resident pages); null when it has none. */
    static Long residentPages(String statm) {
        String[] fields = statm.trim().split(" ");
        if (fields.length < 2) return null;
        try {
            return Long.parseLong(fields[1]);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The kernel's page size, from the first mapping of this process's smaps; 4 KiB when it cannot be read. */
    private static long pageSize() {
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/self/smaps"), StandardCharsets.ISO_8859_1)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("KernelPageSize:")) {
                    return Long.parseLong(line.substring("KernelPageSize:".length()).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no smaps: the common page size
        }
        return 4096;
    }
}
