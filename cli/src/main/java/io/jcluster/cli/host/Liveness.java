package io.jcluster.cli.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Whether a process that is not this one's child still runs. {@link ProcessHandle#isAlive()} says
 * yes to a zombie, and a detached primary is nobody's child once it exits until init reaps it
 * (which some inits, in some containers, do only every second or two).
 */
public final class Liveness {
    private static final long POLL_MS = 20;

    private Liveness() {}

    /** True while {@code process} runs: it exists, is the same process (start time), and has not exited. */
    public static boolean running(ProcessHandle process) {
        if (!process.isAlive()) return false;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            int end = stat.lastIndexOf(')'); // the command name may hold spaces and parentheses
            char state = end > 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false; // gone between the two looks
        }
    }

    /** Waits until {@code process} no longer runs; false when it still does after {@code timeout}. */
    public static boolean awaitExit(ProcessHandle process, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running(process)) {
            if (System.nanoTime() - deadline > 0) return false;
            Thread.sleep(POLL_MS);
        }
        return true;
    }
}
