package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.control.AppState;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The app as {@code ls} and the control socket see it, derived from the supervisor's state. Loop only. */
public final class StatusView {
    private final Supervisor app;
    private final Instant startedAt;
    private boolean everOnline;
    /** {@code jcluster cordon}: out of the balancers by readiness until {@code uncordon}. */
    private boolean cordoned;

    StatusView(Supervisor app, Instant startedAt) {
        this.app = app;
        this.startedAt = startedAt;
    }

    public void cordon(boolean out) {
        cordoned = out;
    }

    public boolean cordoned() {
        return cordoned;
    }

    public boolean online() {
        return state() == AppState.ONLINE;
    }

    public AppState state() {
        if (app.stopping()) return AppState.STOPPING;
        List<Slot> slots = app.slots();
        int ready = 0;
        int errored = 0;
        int done = 0;
        for (Slot slot : slots) {
            if (slot.errored()) errored++;
            else if (slot.phase() == Slot.Phase.DONE) done++;
            else if (slot.serving() != null) ready++;
        }
        if (errored == slots.size()) return AppState.ERRORED;
        if (errored + done == slots.size()) return AppState.STOPPED;
        if (ready == slots.size()) {
            everOnline = true;
            return AppState.ONLINE;
        }
        if (errored > 0 || everOnline) return AppState.DEGRADED;
        return AppState.STARTING;
    }

    public AppStatus snapshot() {
        AppState state = state();
        Instant now = app.loop.now();
        List<WorkerStatus> list = new ArrayList<>();
        String reason = null;
        for (Slot slot : app.slots()) {
            Worker w = slot.worker() != null ? slot.worker() : slot.surge();
            list.add(new WorkerStatus(slot.index(), w == null ? 0 : w.pid(), slot.state().id(),
                    w == null ? slot.generation() : w.generation(), slot.restarts(), w == null ? 0 : w.uptimeMillis(now),
                    slot.lastExit(), w == null ? Map.of() : w.heartbeat()));
            if (reason == null && slot.errored()) reason = "slot " + slot.index() + " " + slot.erroredReason();
            if (reason == null && slot.phase() == Slot.Phase.DONE) reason = "slot " + slot.index() + " ended ("
                    + (slot.lastExit() == null ? "?" : slot.lastExit().describe()) + ") and is not restarted";
        }
        List<WorkerStatus> spares = new ArrayList<>();
        for (Worker w : app.spares().all()) {
            spares.add(new WorkerStatus(-1 - spares.size(), w.pid(), w.warm() ? "spare" : w.state().id(), w.generation(), 0,
                    w.uptimeMillis(now), null, w.heartbeat()));
        }
        if (app.spares().halted() != null) reason = (reason == null ? "" : reason + "; ") + app.spares().halted();
        if (reason == null && app.change() != null) reason = app.change().describe() + " in progress";
        if (cordoned) reason = (reason == null ? "" : reason + "; ") + "cordoned: /readyz answers 503 until jcluster uncordon";
        if (app.gate.refusing(app.slots())) reason = (reason == null ? "" : reason + "; ") + PortGate.portsText(app.config().ports())
                + (app.config().severalPorts() ? " refuse" : " refuses") + " connections until jcluster restart or reload";
        return new AppStatus(app.config().name(), state.id(), app.config().port(), app.config().listen().id(),
                ProcessHandle.current().pid(), Duration.between(startedAt, now).toMillis(), reason, list,
                app.nextRecycle() == null ? null : app.nextRecycle().toEpochMilli(), app.config().ports(), spares);
    }
}
