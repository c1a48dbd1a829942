package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.AppConfig;
import java.io.IOException;

/** Starts worker processes: the command line, the environment, the spawn. */
public interface Launcher {
    /**
     * Starts a worker of {@code config} and {@code generation} on slot {@code slot}, or a warm spare
     * with {@code slot} -1 (it waits in its request for the slot's socket until it takes one).
     *
     * @throws IOException when the process cannot be started (the message says why)
     */
    WorkerProcess launch(int slot, AppConfig config, long generation) throws IOException;

    /**
     * Called on the loop when {@code pid} starts while other workers of the app serve (a reload, a spare,
     * a replacement): it may get less of the CPU until it is ready ({@code [reload] start_share}).
     */
    default void starting(long pid, AppConfig config, Loop loop) {}

    /** Called on the loop once {@code pid} is ready (the cache check: its /proc reads go through {@code loop.offLoop}). */
    default void ready(long pid, Loop loop) {}

    /** Called on the loop once {@code pid} has exited with {@code code} (cache bookkeeping). */
    default void exited(long pid, int code) {}

    /** Why a worker that ended with {@code code} and these last lines ran out of memory, or null when it did not. */
    default String outOfMemory(int code, java.util.List<String> lastLines) {
        return null;
    }

    /** Called on the loop while the app is settled: every slot's worker ready, no change under way (the cache's training run). */
    default void settled(AppConfig config, Loop loop) {}

    /**
     * Called on the loop as a change begins (a reload, a scale, a replacement): a worker may run beside
     * the one it replaces, in the room the heaps keep for one more JVM; nothing else may take it then.
     */
    default void changing() {}
}
