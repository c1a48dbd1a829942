package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.WhenErrored;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.metrics.ProbeState;
import io.jcluster.cli.metrics.Probes;
import io.jcluster.cli.systemd.SdNotify;
import io.jcluster.cli.systemd.SystemdReport;
import java.time.Duration;

/**
 * What the service manager above the primary is told: systemd's sd_notify (READY, STATUS,
 * RELOADING, STOPPING, WATCHDOG) and the {@code /readyz} and {@code /healthz} probes, derived from
 * the supervisor's state after every event; and {@code when_errored = "exit"}, which hands an app
 * whose every slot is errored back to that manager. Loop only, but for the probes' reads.
 */
public final class ServiceReports {
    /** How long the loop may go without a turn before {@code /healthz} says it is stalled. */
    static final Duration STALL_BOUND = Duration.ofSeconds(10);

    private final Supervisor app;
    private final boolean foreground;
    private final SdNotify notify;
    private final SystemdReport report;
    private final ProbeState probes = new ProbeState(System::nanoTime, STALL_BOUND);
    /** From the moment a reload is taken (config read included) to its end. */
    private boolean reloading;
    private boolean gaveUp;
    /** The app went to a new primary ({@code jcluster upgrade}): systemd hears from that one now. */
    private boolean handedOver;

    public ServiceReports(Supervisor app, boolean foreground) {
        this.app = app;
        this.foreground = foreground;
        this.notify = SdNotify.fromEnvironment(line -> app.log.info("systemd: %s", line));
        this.report = new SystemdReport(notify);
    }

    public Probes probes() {
        return probes;
    }

    /**
     * {@code jcluster cordon} ({@code out}) or {@code uncordon}: {@code /readyz} answers 503 while cordoned,
     * {@code ls} says so; returns the app's status after it.
     */
    public AppStatus cordon(boolean out) {
        if (app.status().cordoned() != out) app.log.info("%s", out ? "cordoned: /readyz answers 503 until jcluster uncordon" : "uncordoned");
        app.status().cordon(out);
        probes.cordon(out);
        return app.status().snapshot();
    }

    /** The loop's tick: the probes see that the loop runs even when no event comes. */
    public void tick() {
        probes.tick();
    }

    /** Starts the watchdog ping, when systemd asks for one: a timer on the loop, so a wedged loop stops pinging. */
    public void start(SupervisorLoop loop) {
        Duration watchdog = notify.watchdogInterval();
        if (watchdog != null) {
            loop.every(watchdog, notify::watchdog);
            app.log.info("systemd: watchdog ping every %s", watchdog);
        }
    }

    public void reloading(boolean r) {
        reloading = r;
    }

    /** A reload moved on: systemd times a reload against the start timeout, so each step extends it. */
    public void reloadStep() {
        var reload = app.config().reload();
        notify.extendTimeout(reload.readyTimeout().plus(reload.drainTimeout()).plus(reload.stopTimeout()));
    }

    /** Whether this primary runs in the foreground: the process a service manager, a container or a terminal watches. */
    public boolean foreground() {
        return foreground;
    }

    /** The app went to another primary: nothing more is reported from here (no STOPPING while this one retires its workers). */
    public void handedOver() {
        handedOver = true;
    }

    /** Whether the primary stopped because every slot errored and {@code when_errored = "exit"}. */
    public boolean gaveUp() {
        return gaveUp;
    }

    /**
     * After every event's reconcile: the phase and status to systemd, the counts to the probes, and
     * {@code when_errored}. Returns true when it began a stop (the caller reconciles again).
     */
    public boolean afterEvent() {
        int slots = app.slots().size();
        int ready = 0;
        int errored = 0;
        for (Slot slot : app.slots()) {
            if (slot.errored()) errored++;
            else if (slot.serving() != null) ready++;
        }
        probes.publish(slots, ready, errored, app.stopping());
        if (handedOver) return false;
        boolean stopped = false;
        if (!app.stopping() && slots > 0 && errored == slots
                && app.config().restart().whenErrored(foreground) == WhenErrored.EXIT) {
            gaveUp = true;
            app.log.info("every slot errored and when_errored = \"exit\": stopping the primary (exit code 1) so that its"
                    + " supervisor (systemd, Kubernetes) takes over");
            app.stop();
            stopped = true;
        }
        SystemdReport.Phase phase = app.stopping() ? SystemdReport.Phase.STOPPING
                : reloading || app.change() != null && app.change().reloads() ? SystemdReport.Phase.RELOADING
                : ready == slots ? SystemdReport.Phase.SERVING : SystemdReport.Phase.STARTING; // every slot serves: the counts above
        report.report(phase, SystemdReport.status(ready, slots, app.generation(), errored));
        return stopped;
    }
}
