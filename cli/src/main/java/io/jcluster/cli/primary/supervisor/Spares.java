package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.Durations;
import io.jcluster.cli.control.ExitRecord;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.WireMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An app's warm spares ({@code [app] spares}): workers without a slot that have done their start-up
 * and wait in their request for a slot's socket, which the primary holds ({@link Worker#hold}).
 * Which spare a slot takes, keeping their count, and their own crash-loop guard. The taking itself
 * is the {@link Supervisor}'s ({@code give}): it is about the slot. Loop only.
 */
public final class Spares {
    /** How long a spare that took a slot has to say it knows which before its held requests are answered anyway. */
    static final Duration SLOT_ANSWER = Duration.ofSeconds(1);

    private final Supervisor app;
    /** Spares that die before they serve back off, then stop being made. */
    private final CrashGuard guard = new CrashGuard();
    private boolean backingOff;
    private String halted;

    Spares(Supervisor app) {
        this.app = app;
    }

    /** The spares (workers without a slot), oldest first. */
    public List<Worker> all() {
        List<Worker> list = new ArrayList<>();
        for (Worker w : app.workers()) {
            if (w.spare()) list.add(w);
        }
        return list;
    }

    /** Why no spares are made any more (they kept dying before they served), or null. */
    String halted() {
        return halted;
    }

    /** A spare that can take {@code slot}: of its generation, not being ended; a warm one first. */
    Worker forSlot(Slot slot) {
        Worker starting = null;
        for (Worker w : app.workers()) {
            if (!w.spare() || w.retiring() || w.state() != WorkerState.STARTING || w.generation() != slot.generation()) continue;
            if (w.warm()) return w;
            if (starting == null) starting = w;
        }
        return starting;
    }

    /** A spare ended before it took a slot: planned (stop, reload), or counted by the spares' crash-loop guard. */
    void exited(Worker w, ExitRecord exit) {
        if (w.retiring() || app.stopping()) {
            app.log.info("spare: pid %d exited (%s)", w.pid(), exit.describe());
            return;
        }
        var restart = app.config().restart();
        Duration delay = guard.afterExit(null, app.loop.now(), restart);
        if (delay == null) {
            halted = "spares failed to start " + restart.maxFailures() + " times within "
                    + Durations.format(restart.failureWindow()) + " (last: " + exit.describe() + ", " + exit.reason() + ")";
            app.log.info("spare: pid %d %s (%s); %s: no more spares until jcluster restart or reload", w.pid(), exit.reason(),
                    exit.describe(), halted);
            for (String line : exit.lastLines()) app.log.info("spare:   | %s", line);
            return;
        }
        app.log.info("spare: pid %d %s (%s); a new spare in %s", w.pid(), exit.reason(), exit.describe(), Durations.format(delay));
        backOff(delay);
    }

    /**
     * Tells a spare that took a slot which one ({@code slot} on its agent connection): its held requests
     * for the slot's socket are answered once the agent says it knows, so the app sees its slot as soon
     * as its bind returns. An agent that does not answer within {@link #SLOT_ANSWER} (one that does not
     * know the message) gets them anyway.
     */
    void tellSlot(Worker spare) {
        if (spare.channel() == null) {
            app.log.info("slot %d: spare pid %d has no agent connection: it cannot learn its slot", spare.slotIndex(), spare.pid());
            spare.slotKnown();
            return;
        }
        WorkerChannel.send(spare.channel(), WireMessage.of(MessageTypes.SLOT, "slot", spare.slotIndex()));
        app.loop.schedule(SLOT_ANSWER, () -> {
            if (spare.knowsSlot() || !spare.alive()) return;
            app.log.info("slot %d: spare pid %d did not say within %s that it knows its slot; it gets the slot's socket anyway",
                    spare.slotIndex(), spare.pid(), Durations.format(SLOT_ANSWER));
            spare.slotKnown();
        });
    }

    /** Lets spares be made again (restart, reload). */
    public void reset() {
        guard.clear();
        halted = null;
    }

    /**
     * Keeps {@code [app] spares} spares of the current generation once no change runs and no slot's
     * worker is starting (spares do not slow the app's own start): old ones go, missing ones start.
     */
    void keep() {
        if (app.change() != null) return;
        int wanted = app.config().spares();
        long generation = app.generation();
        int have = 0;
        for (Worker w : all()) {
            if (w.retiring()) continue;
            if (w.generation() != generation || have >= wanted) {
                app.log.info("spare: retiring pid %d (%s)", w.pid(), w.generation() != generation
                        ? "of generation " + w.generation() + ", the app runs " + generation : "more spares than the " + wanted + " wanted");
                app.retire(w, "spare no longer wanted");
            } else {
                have++;
            }
        }
        if (have >= wanted || backingOff || halted != null) return;
        for (Slot slot : app.slots()) {
            Worker w = slot.worker();
            if (slot.surge() != null || (w != null && w.state() == WorkerState.STARTING)) return;
        }
        // the heaps are shared over the JVMs and one more (HeapSizing): spares that are still ending count until they are gone
        int room = app.config().jvms() + 1 - app.workers().size();
        while (have++ < wanted && room-- > 0) {
            if (app.startOn(null, app.config(), generation) == null) {
                backOff(app.config().restart().backoffMax()); // launching failed (logged): try again in a while
                return;
            }
        }
    }

    private void backOff(Duration delay) {
        backingOff = true;
        app.loop.schedule(delay, () -> backingOff = false);
    }
}
