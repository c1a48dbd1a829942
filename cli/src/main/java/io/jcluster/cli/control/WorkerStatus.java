package io.jcluster.cli.control;

import java.util.Map;

/**
 * One slot as {@code ls} and the control socket report it, or one warm spare (slot -1, -2, …).
 *
 * @param pid the current worker's pid, or 0 when the slot has none
 * @param lastExit how the slot's previous worker ended, or null
 * @param heartbeat the latest figures the worker reported, or an empty map
 */
public record WorkerStatus(int slot, long pid, String state, long generation, int restarts, long uptimeMillis,
                           ExitRecord lastExit, Map<String, String> heartbeat) {}
