package io.jcluster.cli.primary.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.SupervisedApp;
import io.jcluster.cli.primary.supervisor.Worker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The new primary's side of {@code jcluster upgrade} over a fake clock, fake workers and a fake
 * previous primary: the whole take-over, a previous primary that dies before and after the
 * switch, and a new worker that fails. No JVM is started and nothing sleeps.
 */
class TakeOverTest {
    private static final long PREVIOUS_PID = 4242;

    @TempDir
    Path dir;
    private SupervisedApp s;
    private final FakePrevious previous = new FakePrevious();
    private final List<String> files = new ArrayList<>();
    private final List<String> steps = new ArrayList<>();
    private TakeOver takeOver;

    /** The previous primary at the other end of the lease, as the test makes it behave. */
    private static final class FakePrevious implements TakeOver.Previous {
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        Runnable released;
        CompletableFuture<Void> retired;
        boolean closedByUs;

        @Override
        public CompletableFuture<Void> closed() {
            return closed;
        }

        @Override
        public void retire(Runnable released, CompletableFuture<Void> done) {
            this.released = released;
            this.retired = done;
        }

        @Override
        public boolean exited(Duration within) {
            return true;
        }

        @Override
        public void close() {
            closedByUs = true;
            closed.complete(null);
        }
    }

    @BeforeEach
    void inheritTheSlots() throws Exception {
        s = new SupervisedApp(SupervisedApp.config(dir, 18090, ""));
        s.app.inheritSlots(List.of(), List.of(), 2); // the previous primary ran generation 1
        takeOver = new TakeOver(s.app, previous, PREVIOUS_PID);
    }

    private void run() {
        takeOver.follow(steps::add);
        s.loop.execute(() -> takeOver.run(new TakeOver.Files() {
            @Override
            public void claim() {
                files.add("claim");
            }

            @Override
            public void settle() {
                files.add("settle");
            }
        }));
        s.loop.runDue();
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("completed: " + f.join());
    }

    @Test
    void theTakeOverStartsTheNextGenerationClaimsTheFilesRetiresThePreviousPrimaryAndSettles() {
        run();
        assertEquals(2, s.launcher.launches.size(), "a worker of generation 2 on every slot");
        assertTrue(s.launcher.launches.stream().allMatch(l -> l.generation() == 2));
        assertTrue(steps.get(0).startsWith("primary pid " + ProcessHandle.current().pid() + " holds the 2 slot socket(s) of primary pid "
                + PREVIOUS_PID), steps.toString());
        assertTrue(files.isEmpty(), "nothing is claimed before every new worker is ready");
        assertNull(previous.retired, "the previous primary is not asked to retire before");

        s.allReady();
        assertEquals(List.of("claim"), files);
        assertTrue(steps.stream().anyMatch(l -> l.contains("asking primary pid " + PREVIOUS_PID + " to retire")), steps.toString());
        assertFalse(previous.retired.isDone());
        s.loop.execute(previous.released); // its progress line: it stopped steering
        s.loop.runDue();
        assertTrue(steps.contains("primary pid " + PREVIOUS_PID + " stopped steering; its workers drain"), steps.toString());
        assertFalse(takeOver.result().isDone(), "done only once the previous primary's workers are gone");

        previous.retired.complete(null);
        s.loop.runDue();
        assertEquals(List.of("claim", "settle"), files);
        assertTrue(previous.closedByUs, "the lease is closed at the end");
        AppStatus status = takeOver.result().join();
        assertEquals("online", status.state());
        assertNull(s.app.change(), "the take-over left the change gate");
        assertEquals(2, status.workers().stream().filter(w -> w.generation() == 2).count());
        assertTrue(steps.get(steps.size() - 1).startsWith("upgrade done"), steps.toString());
    }

    @Test
    void aPreviousPrimaryThatDiesBeforeTheSwitchMakesThisOneGiveUpAndStop() {
        run();
        List<Worker> started = List.copyOf(s.app.workers());
        previous.closed.complete(null); // its end of the lease closed: it exited (or was killed) mid-way
        s.loop.runDue();
        assertTrue(steps.contains("giving up: primary pid " + PREVIOUS_PID + " closed the hand-over (did it stop?); primary pid "
                + PREVIOUS_PID + " carries on"), steps.toString());
        assertTrue(started.stream().allMatch(w -> SupervisedApp.process(w).signals.contains("TERM")), "the new workers stop");
        assertTrue(files.isEmpty(), "the pid file and control.sock stay the previous primary's");
        Throwable why = failure(takeOver.result());
        assertInstanceOf(ChangeFailed.class, why);
        assertTrue(why.getMessage().startsWith("upgrade failed: primary pid " + PREVIOUS_PID + " closed the hand-over"), why.getMessage());
        assertTrue(s.app.stopping());
        assertTrue(s.app.stopped().isDone(), "this primary stops");
    }

    @Test
    void aPreviousPrimaryThatDiesAfterTheSwitchLeavesTheAppToThisOne() {
        run();
        s.allReady();
        assertEquals(List.of("claim"), files);
        // it dies while its workers drain: its connection closes before it said they were gone
        previous.retired.completeExceptionally(new IOException("the previous primary closed the connection before its workers were gone"));
        previous.closed.complete(null);
        s.loop.runDue();
        assertTrue(steps.contains("primary pid " + PREVIOUS_PID + ": the previous primary closed the connection before its workers"
                + " were gone"), steps.toString());
        assertEquals(List.of("claim", "settle"), files, "this primary has the app's files");
        assertEquals("online", takeOver.result().join().state());
        assertFalse(s.app.stopping());
        assertTrue(s.app.workers().stream().noneMatch(w -> SupervisedApp.process(w).signals.contains("TERM")));
    }

    @Test
    void aNewWorkerThatFailsGivesUpAndThePreviousPrimaryCarriesOn() {
        run();
        s.launcher.last().exit(1); // slot 1's new worker crashes before it is ready
        s.loop.runDue();
        assertTrue(steps.stream().anyMatch(l -> l.startsWith("giving up: a new worker failed")), steps.toString());
        assertTrue(previous.closedByUs, "the lease closes: the previous primary carries on");
        assertNull(previous.retired, "it was never asked to retire");
        assertTrue(files.isEmpty());
        assertTrue(failure(takeOver.result()).getMessage().contains("carries on, nothing of it stopped"));
        s.loop.advance(Duration.ofSeconds(30));
        assertEquals(2, s.launcher.launches.size(), "the crash is not restarted: this primary stops");
        assertTrue(s.app.stopped().isDone());
    }
}
