package io.jcluster.cli.metrics;

/**
 * What the probes of the metrics listener ask the primary, with Kubernetes' meanings: {@code /startupz}
 * (has the app started), {@code /readyz} (should it get traffic) and {@code /healthz} (is the primary
 * alive). Called on the endpoint's own thread, never the supervisor's: an implementation reads state
 * the loop published (see {@link ProbeState}), it does not queue work on the loop, or a stalled loop
 * would stall the probe that is meant to report it.
 */
public interface Probes {
    /** Null once a worker has been ready since the primary started, else why not yet. {@code /startupz} answers 200 or 503 with it. */
    String notStarted();

    /**
     * Null while the app should get traffic: every slot has had a ready worker since the start, one is
     * ready now, and the app is neither stopping nor cordoned; else why not. {@code /readyz} answers
     * 200 or 503 with it.
     */
    String notReady();

    /**
     * Null while the primary is healthy, else why not (every slot errored, the loop stalled).
     * {@code /healthz} answers 200 while it is null, else 503 with the reason.
     */
    String unhealthyReason();
}
