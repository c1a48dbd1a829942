package io.jcluster.cli.primary.supervisor;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A started worker process, as the supervisor needs it: its pid, its end, and the signals it can be
 * sent. The real one is a JVM ({@code JvmLauncher}); the unit tests use fakes.
 */
public interface WorkerProcess {
    long pid();

    /** Whether the process still runs (is not reaped): its pid is still its own. */
    boolean alive();

    /** SIGTERM. */
    void terminate();

    /** SIGKILL. */
    void kill();

    /**
     * Completes with the exit status (128 + n for signal n) once the process has ended and its last
     * output is in its log: nothing is lost at {@code kill -9}. Completes on any thread.
     */
    CompletableFuture<Integer> exited();

    /** Writes a line of jcluster's own into the worker's log. */
    void note(String line);

    /** A spare took slot {@code slot}: its output goes to that slot's log from now on. */
    default void moveTo(int slot) {}

    /** The last {@code n} lines of its output, oldest first. */
    List<String> lastLines(int n);
}
