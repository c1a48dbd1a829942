package io.jcluster.cli.primary.supervisor;

import java.util.Locale;

/**
 * What {@code ls} shows for a slot: derived from the slot's {@link Slot.Phase} and its worker, never
 * stored. {@code starting}, {@code ready} and {@code draining} are the worker's; the rest are the slot's own.
 */
enum SlotState {
    STARTING, READY, DRAINING, BACKOFF, ERRORED, STOPPED;

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
