package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.AppConfig;
import java.io.IOException;
import java.time.Duration;

/** Starts worker processes: the command line, the environment, the spawn. */
public interface Launcher {
    /**
     * Starts a worker of {@code config} and {@code generation} on slot {@code slot}, or a warm spare
     * with {@code slot} -1 (it waits in its request for the slot's socket until it takes one).
     *
     * @throws IOException when the process cannot be started (the message says why)
     */
    WorkerProcess launch(int slot, AppConfig config, long generation) throws IOException;

    /** How long {@code pid} may take to exit after SIGTERM before SIGKILL: {@code stopTimeout}, or more for a worker that writes an archive on its way out. */
    default Duration stopGrace(long pid, Duration stopTimeout) {
        return stopTimeout;
    }

    /** Called on the loop once {@code pid} is ready (the class-data archive check: its /proc reads go through {@code loop.offLoop}). */
    default void ready(long pid, Loop loop) {}

    /** Called on the loop once {@code pid} has exited with {@code code} (class-data archive bookkeeping). */
    default void exited(long pid, int code) {}

    /** Why a worker that ended with {@code code} and these last lines ran out of memory, or null when it did not. */
    default String outOfMemory(int code, java.util.List<String> lastLines) {
        return null;
    }
}
