package io.jcluster.cli.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process, from {@code /proc/<pid>/status} (Linux). */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** The process's resident set size in bytes, or null when it cannot be read (gone, not Linux). */
    public static Long rssBytes(long pid) {
        if (pid <= 0) return null;
        byte[] status;
        try {
            status = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "status"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return vmRssBytes(new String(status, StandardCharsets.ISO_8859_1));
    }

    /** The {@code VmRSS:} line of a status file, in bytes; null when there is none (a zombie). */
    static Long vmRssBytes(String status) {
        int at = status.indexOf("VmRSS:");
        if (at < 0) return null;
        int i = at + "VmRSS:".length();
        while (i < status.length() && (status.charAt(i) == ' ' || status.charAt(i) == '\t')) i++;
        long kb = 0;
        boolean digits = false;
        while (i < status.length() && Character.isDigit(status.charAt(i))) {
            kb = kb * 10 + (status.charAt(i++) - '0');
            digits = true;
        }
        return digits ? kb * 1024 : null;
    }
}
