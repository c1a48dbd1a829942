package io.jcluster.cli.primary.supervisor;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where a worker process is in its life: {@code starting → ready → draining → exited}. The allowed
 * moves are here and nowhere else ({@link Worker#moveTo}).
 */
public enum WorkerState {
    /** Spawned, not ready yet. */
    STARTING,
    /** Ready: it serves its slot. */
    READY,
    /** Told to finish its work and stop; it serves nothing new. */
    DRAINING,
    /** The process has ended. */
    EXITED;

    Set<WorkerState> next() {
        return switch (this) {
            case STARTING -> EnumSet.of(READY, DRAINING, EXITED);
            case READY -> EnumSet.of(DRAINING, EXITED);
            case DRAINING -> EnumSet.of(EXITED);
            case EXITED -> EnumSet.noneOf(WorkerState.class);
        };
    }

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
