package io.jcluster.cli.metrics;

/**
 * What the probes of the metrics listener ask the primary: {@code /readyz} and {@code /healthz}.
 * Called on the endpoint's own thread, never the supervisor's: an implementation reads state the
 * loop published (see {@link ProbeState}), it does not queue work on the loop, or a stalled loop
 * would stall the probe that is meant to report it.
 */
public interface Probes {
    /** Whether the app serves: at least one worker is ready. {@code /readyz} answers 200 while it is true, else 503. */
    boolean ready();

    /**
     * Null while the primary is healthy, else why not (every slot errored, the loop stalled).
     * {@code /healthz} answers 200 while it is null, else 503 with the reason.
     */
    String unhealthyReason();
}
