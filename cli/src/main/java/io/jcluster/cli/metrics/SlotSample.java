package io.jcluster.cli.metrics;

/**
 * What the primary's supervisor says about one slot when a snapshot is taken.
 *
 * @param pid 0 when the slot has no worker
 */
public record SlotSample(int slot, long pid, String state, long generation, int restarts, long uptimeMillis) {}
