package io.jcluster.cli.primary.upgrade;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.changes.SlotReplacement;
import io.jcluster.cli.primary.supervisor.Change;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.jcluster.cli.primary.supervisor.Worker;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The new primary's side of {@code jcluster upgrade}, once it holds the previous primary's slot
 * sockets: a worker of the next generation on every slot, beside the previous primary's (they
 * share the sockets); once every one is ready, this primary takes the app's files (pid file, then
 * {@code control.sock}, each by one rename, so that a CLI always reaches a live primary), tells
 * the previous one to retire, steers once it has stopped steering, and waits for it to exit.
 *
 * <p>If a new worker fails before that, it gives up: its workers retire, the lease closes and the
 * previous primary carries on; this primary then stops. Loop only.
 */
public final class TakeOver implements Change {
    /** What the take-over needs of the primary around it: the app's files, and what follows the previous primary's exit. */
    public interface Files {
        /** Makes this primary the app's: the pid file and {@code control.sock}. */
        void claim() throws IOException;

        /** The previous primary has exited: {@code workers.sock} becomes this primary's, and what waited for the port opens. */
        void settle() throws IOException;
    }

    /** A server socket that is renamed into place: the control server's and the worker channel's. */
    public interface MovableSocket {
        void moveTo(Path to) throws IOException;
    }

    /**
     * The app's files under {@code home}: the pid file is written aside and renamed into place, then
     * the control socket is renamed onto {@code control.sock}; once the previous primary exited, the
     * worker socket onto {@code workers.sock}, and {@code settled} runs (new workers get that path).
     */
    public static Files files(Home home, String name, MovableSocket control, MovableSocket workers, Runnable settled) {
        return new Files() {
            @Override
            public void claim() throws IOException {
                long self = ProcessHandle.current().pid();
                Path pid = home.pidFile(name);
                Path next = pid.resolveSibling(pid.getFileName() + "." + self);
                java.nio.file.Files.writeString(next, self + "\n");
                java.nio.file.Files.move(next, pid, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                control.moveTo(home.controlSocket(name));
            }

            @Override
            public void settle() throws IOException {
                workers.moveTo(home.workerSocket(name));
                settled.run();
            }
        };
    }

    private final Supervisor app;
    private final PreviousPrimary previous;
    private final long previousPid;
    private Files files;
    private final CompletableFuture<AppStatus> result = new CompletableFuture<>();
    private final List<String> steps = new ArrayList<>();
    private final List<Consumer<String>> listeners = new ArrayList<>();
    private boolean claimed;
    private boolean givingUp;

    /**
     * A take-over that {@link #follow} can already be told of: it exists before this primary's control
     * socket does, so a {@code jcluster upgrade} that connects at once finds it; {@link #run} begins it.
     */
    public TakeOver(Supervisor app, PreviousPrimary previous, long previousPid) {
        this.app = app;
        this.previous = previous;
        this.previousPid = previousPid;
    }

    @Override
    public String describe() {
        return "take-over from primary pid " + previousPid;
    }

    /** Completes when this primary alone runs the app; fails when it gave up (then it stops). */
    public CompletableFuture<AppStatus> result() {
        return result;
    }

    /** Tells {@code progress} every step so far and from now on. */
    public void follow(Consumer<String> progress) {
        steps.forEach(progress);
        listeners.add(progress);
    }

    private void step(String s) {
        app.log.info("upgrade: %s", s);
        steps.add(s);
        for (Consumer<String> l : listeners) l.accept(s);
    }

    /** Begins the take-over; {@code files} are the app's files it claims once every new worker is ready. */
    public void run(Files files) {
        this.files = files;
        app.begin(this);
        step("primary pid " + ProcessHandle.current().pid() + " holds the " + app.slots().size()
                + " slot socket(s) of primary pid " + previousPid + "; starting generation " + app.generation());
        previous.closed().thenRun(() -> app.loop.execute(() -> {
            if (!claimed) giveUp("primary pid " + previousPid + " closed the hand-over (did it stop?)", List.of());
        }));
        List<CompletableFuture<Worker>> ready = new ArrayList<>();
        for (Slot slot : app.slots()) {
            Worker w = app.start(slot);
            if (w == null) {
                giveUp("slot " + slot.index() + ": the new worker could not start: "
                        + (slot.lastExit() == null ? "?" : slot.lastExit().reason()), List.of());
                return;
            }
            step("slot " + slot.index() + ": started pid " + w.pid() + " (generation " + app.generation() + ")");
            ready.add(w.ready().whenCompleteAsync((r, e) -> {
                if (e == null) step("slot " + r.slotIndex() + ": pid " + r.pid() + " ready");
            }, app.loop));
        }
        for (CompletableFuture<Worker> f : ready) {
            f.whenCompleteAsync((w, e) -> {
                if (e != null) {
                    Throwable why = SlotReplacement.cause(e);
                    giveUp("a new worker failed: " + why.getMessage(),
                            why instanceof Worker.WorkerFailed failed ? failed.record().lastLines() : List.of());
                }
            }, app.loop);
        }
        CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).whenCompleteAsync((v, e) -> {
            if (e == null) switchOver();
        }, app.loop);
    }

    private void switchOver() {
        if (givingUp) return;
        if (app.stopping()) {
            giveUp("this primary is stopping", List.of());
            return;
        }
        if (!app.status().online()) {
            giveUp("a new worker is no longer ready", List.of());
            return;
        }
        try {
            files.claim();
        } catch (IOException | RuntimeException e) {
            giveUp("cannot take the app's files: " + e.getMessage(), List.of());
            return;
        }
        claimed = true; // from here on, this primary runs the app whatever the previous one does
        app.startAll(); // supervision as usual: a new worker that crashes from now on is restarted
        step("every new worker is ready; primary pid " + ProcessHandle.current().pid()
                + " answers on control.sock; asking primary pid " + previousPid + " to retire");
        CompletableFuture<Void> retired = new CompletableFuture<>();
        previous.retire(() -> app.loop.execute(() -> {
            app.gate.takeSteering();
            step("primary pid " + previousPid + " stopped steering; its workers drain");
        }), retired);
        retired.whenCompleteAsync((v, e) -> {
            app.gate.takeSteering(); // in case its progress line never came
            if (e != null) step("primary pid " + previousPid + ": " + SlotReplacement.cause(e).getMessage());
            else step("the workers of primary pid " + previousPid + " are gone");
            awaitExit();
        }, app.loop);
    }

    private void awaitExit() {
        app.loop.offLoop(() -> {
            var handle = ProcessHandle.of(previousPid);
            if (handle.isEmpty()) return true;
            try {
                handle.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return !handle.get().isAlive();
            }
        }, gone -> {
            if (!gone) step("primary pid " + previousPid + " is still running 30s after its workers left; see its log");
            else step("primary pid " + previousPid + " exited");
            try {
                files.settle();
            } catch (IOException | RuntimeException e) {
                app.log.info("upgrade: %s", "cannot settle the app's files: " + e.getMessage());
            }
            previous.close();
            app.finish(this);
            step("upgrade done: primary pid " + ProcessHandle.current().pid() + ", generation " + app.generation());
            result.complete(app.status().snapshot());
        });
    }

    /** Before the switch: this primary's workers retire, the lease closes, the previous primary carries on; this one stops. */
    void giveUp(String why, List<String> lines) {
        if (givingUp || claimed) return;
        givingUp = true;
        step("giving up: " + why + "; primary pid " + previousPid + " carries on");
        app.stop();
        app.stopped().whenCompleteAsync((v, e) -> {
            previous.close();
            app.finish(this);
            result.completeExceptionally(new ChangeFailed("upgrade failed: " + why + "; primary pid " + previousPid
                    + " carries on, nothing of it stopped", lines));
        }, app.loop);
    }
}
