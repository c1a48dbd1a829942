package io.jcluster.cli.control;

import java.util.Locale;

/** The state of a whole app as {@code ls} shows it. */
public enum AppState {
    /** Not every worker has been ready yet since start. */
    STARTING,
    /** Every slot has a ready worker. */
    ONLINE,
    /** Some slot is restarting, backing off or errored. */
    DEGRADED,
    /** Every slot hit the crash-loop guard: nothing is restarted until {@code restart}. */
    ERRORED,
    /** Every slot's worker ended by itself and is not restarted ({@code ok_exit_codes}, {@code autorestart = false}). */
    STOPPED,
    STOPPING;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
