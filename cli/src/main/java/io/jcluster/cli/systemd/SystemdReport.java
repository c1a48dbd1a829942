package io.jcluster.cli.systemd;

/**
 * What systemd has been told of the service's phase, and the one message that brings it up to date.
 * The supervisor loop derives the phase from its state after every event and hands it here
 * ({@link #report}); the transitions, and the rule that each message is sent once, live here
 * instead of in the event handlers. Confined to the supervisor loop.
 *
 * <pre>
 *   STARTING ──every slot serves──▶ SERVING ──reload begins──▶ RELOADING ──reload over──▶ SERVING
 *       any phase ──stop begins──▶ STOPPING (final)
 * </pre>
 */
public final class SystemdReport {
    /** The service's phase, as the loop sees it. */
    public enum Phase {
        /** Not every slot serves yet: systemd keeps waiting for READY. */
        STARTING,
        /** Every slot has served at least once since the last start or reload began (READY sent). */
        SERVING,
        /** From the moment the loop takes a reload (SIGHUP or {@code jcluster reload}), config read included, to its end. */
        RELOADING,
        /** A stop began; nothing after it but status. */
        STOPPING
    }

    private final SdNotify notify;
    private boolean readySent;
    private boolean reloadingSent;
    private boolean stoppingSent;

    public SystemdReport(SdNotify notify) {
        this.notify = notify;
    }

    /**
     * Tells systemd what changed: {@code READY=1} the first time the app serves and after each
     * reload, {@code RELOADING=1} when a reload begins after READY, {@code STOPPING=1} once, and
     * otherwise {@code STATUS=} when {@code status} changed. A reload taken before the first READY
     * sends no RELOADING: systemd is still waiting for the start, and READY ends both. A message
     * that was dropped is sent again at the next call.
     */
    public void report(Phase phase, String status) {
        if (!notify.enabled()) return;
        if (stoppingSent) {
            notify.status(status);
            return;
        }
        switch (phase) {
            case STOPPING -> stoppingSent = notify.stopping(status);
            case RELOADING -> {
                if (readySent && !reloadingSent) reloadingSent = notify.reloading(status);
                else notify.status(status);
            }
            case SERVING -> {
                if (!readySent || reloadingSent) {
                    if (notify.ready(status)) {
                        readySent = true;
                        reloadingSent = false;
                    }
                } else {
                    notify.status(status);
                }
            }
            case STARTING -> notify.status(status);
        }
    }

    /**
     * The status line {@code systemctl status} shows: {@code "2/3 workers ready, generation 7"}, with
     * {@code ", 1 errored"} when some slots are.
     */
    public static String status(int readyWorkers, int slots, long generation, int erroredSlots) {
        return readyWorkers + "/" + slots + " workers ready, generation " + generation
                + (erroredSlots > 0 ? ", " + erroredSlots + " errored" : "");
    }

    /** Whether systemd has been told READY=1 (and no reload or stop since). */
    public boolean ready() {
        return readySent && !reloadingSent && !stoppingSent;
    }
}
