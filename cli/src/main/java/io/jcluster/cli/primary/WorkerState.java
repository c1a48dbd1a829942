package io.jcluster.cli.primary;

import java.util.Locale;

/** Where a worker or its slot is in its life: {@code starting → ready → draining → exited}. */
public enum WorkerState {
    STARTING, READY, DRAINING, EXITED, BACKOFF, ERRORED, STOPPED;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
