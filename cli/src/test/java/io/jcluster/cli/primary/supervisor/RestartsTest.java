package io.jcluster.cli.primary.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.logs.PrimaryLog;
import io.jcluster.cli.primary.changes.Restart;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Restarts: backoff that grows, the crash-loop guard, a missed ready timeout, exit codes that end a
 * slot, autorestart off, a stop that kills what ignores SIGTERM, and the loop that outlives a throw.
 */
class RestartsTest extends SupervisorFixture {
    @Test
    void startsOneWorkerPerSlotAndIsOnlineWhenAllAreReady() throws Exception {
        start(config(""));
        assertEquals(2, launcher.launches.size());
        assertEquals(List.of(0, 1), launcher.launches.stream().map(FakeLauncher.Launch::slot).toList());
        CompletableFuture<AppStatus> ready = new CompletableFuture<>();
        loop.execute(() -> app.awaitReady(ready));
        loop.runDue();
        assertFalse(ready.isDone(), "not ready before the workers are");
        allReady();
        assertTrue(ready.isDone());
        assertEquals("online", ready.join().state());
    }

    @Test
    void aCrashIsRestartedAfterABackoffThatGrowsAndTheGuardErrorsTheSlot() throws Exception {
        start(config(""));
        allReady();
        // Three failed starts within the window (each exits before it is ready): backoff 100 ms, 200 ms, then errored.
        processOf(0).exit(1); // ready less than min_uptime: a failed start
        loop.runDue();
        assertEquals("backoff", status().workers().get(0).state());
        assertEquals(2, launcher.launches.size(), "no restart before the backoff");
        loop.advance(Duration.ofMillis(99));
        assertEquals(2, launcher.launches.size(), "still backing off at 99 ms");
        loop.advance(Duration.ofMillis(1));
        assertEquals(3, launcher.launches.size(), "restarted at 100 ms");
        assertEquals("starting", status().workers().get(0).state());

        launcher.last().exit(1);
        loop.runDue();
        loop.advance(Duration.ofMillis(199));
        assertEquals(3, launcher.launches.size(), "the second backoff is 200 ms");
        loop.advance(Duration.ofMillis(1));
        assertEquals(4, launcher.launches.size());

        launcher.last().exit(1);
        loop.runDue();
        assertEquals("errored", status().workers().get(0).state(), "the third failed start trips the guard");
        loop.advance(Duration.ofMinutes(5));
        assertEquals(4, launcher.launches.size(), "an errored slot is not restarted");
        assertTrue(status().reason().startsWith("slot 0 failed to start 3 times within 1m"), status().reason());
        assertEquals("degraded", status().state());
        assertEquals(2, status().workers().get(0).restarts());
    }

    @Test
    void aStableWorkerIsRestartedAtOnceAndResetsTheBackoff() throws Exception {
        start(config(""));
        allReady();
        loop.advance(Duration.ofSeconds(31)); // past stable_after
        processOf(1).exit(137);
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "a crash after a stable run restarts at once");
        assertEquals("crashed", status().workers().get(1).lastExit().reason());
        assertEquals("KILL", status().workers().get(1).lastExit().signal());
    }

    @Test
    void restartClearsAnErroredSlot() throws Exception {
        start(config(""));
        for (int i = 0; i < 3; i++) {
            processOf(0).exit(1);
            loop.advance(Duration.ofSeconds(2));
        }
        assertEquals("errored", status().workers().get(0).state());
        new Restart(app, 0).run();
        loop.runDue();
        assertEquals("starting", status().workers().get(0).state());
        allReady();
        assertEquals("online", status().state());
    }

    @Test
    void aMissedReadyTimeoutKillsTheWorkerAndCountsAsAFailedStart() throws Exception {
        start(config(""));
        loop.advance(Duration.ofSeconds(5));
        FakeLauncher.FakeProcess first = launcher.launches.get(0).process();
        assertEquals(List.of("KILL"), first.signals);
        assertEquals("not ready within 5s", status().workers().get(0).lastExit().reason());
        assertEquals("backoff", status().workers().get(0).state());
    }

    @Test
    void aFailedLaunchCountsAsACrash() throws Exception {
        launcher.failWith = "could not start /no/java: No such file";
        start(config(""));
        assertEquals("backoff", status().workers().get(0).state());
        assertEquals("could not start /no/java: No such file", status().workers().get(0).lastExit().reason());
        assertNotNull(loop.nextTimer());
    }

    @Test
    void aWorkerThatExitsWithAnOkCodeIsNotRestartedAndItsSlotShowsStopped() throws Exception {
        start(config("ok_exit_codes = [0]\n", ""));
        allReady();
        processOf(0).exit(0);
        loop.advance(Duration.ofMinutes(1));
        assertEquals(2, launcher.launches.size(), "exit 0 is done, not a crash");
        assertEquals("stopped", status().workers().get(0).state());
        assertEquals("exit code 0", status().workers().get(0).lastExit().describe());
        assertEquals("degraded", status().state());
        processOf(1).exit(3);
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "another code is a crash: restarted (at once, after a stable run)");
        assertEquals(launcher.last().pid, workerOf(1).pid(), "slot 1 runs the new worker");
        new Restart(app, 0).run();
        loop.runDue();
        assertEquals("starting", status().workers().get(0).state(), "restart starts a done slot again");
    }

    @Test
    void withAutorestartOffNothingIsRestartedAndAllDoneIsStopped() throws Exception {
        start(config("autorestart = false\n", ""));
        allReady();
        processOf(0).exit(137);
        processOf(1).exit(1);
        loop.advance(Duration.ofMinutes(1));
        assertEquals(2, launcher.launches.size());
        assertEquals("stopped", status().state());
        assertTrue(status().reason().startsWith("slot 0 ended (signal KILL)"), status().reason());
        CompletableFuture<AppStatus> ready = new CompletableFuture<>();
        loop.execute(() -> app.awaitReady(ready));
        loop.runDue();
        assertTrue(ready.isCompletedExceptionally(), "start does not wait for a slot that will not come back");
    }

    @Test
    void stopDrainsEveryWorkerAndKillsThoseThatIgnoreSigterm() throws Exception {
        start(config(""));
        allReady();
        FakeLauncher.FakeProcess stubborn = launcher.launches.get(1).process();
        stubborn.obeysTerm = false;
        loop.execute(app::stop);
        loop.runDue();
        assertFalse(launcher.launches.get(0).process().alive());
        assertTrue(stubborn.alive());
        assertFalse(app.stopped().isDone());
        loop.advance(Duration.ofSeconds(3));
        assertEquals(List.of("TERM", "KILL"), stubborn.signals);
        assertTrue(app.stopped().isDone());
        assertEquals(2, launcher.launches.size(), "nothing restarts while stopping");
        assertTrue(log().contains("still running 3s after SIGTERM: SIGKILL"), log());
    }

    @Test
    void aThrowInATaskIsLoggedAndTheLoopGoesOn() throws Exception {
        PrimaryLog log = new PrimaryLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), "unit");
        SupervisorLoop real = new SupervisorLoop(log);
        try {
            CompletableFuture<String> after = new CompletableFuture<>();
            real.execute(() -> {
                throw new IllegalStateException("boom");
            });
            real.schedule(Duration.ofMillis(1), () -> after.complete("still running"));
            assertEquals("still running", after.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(log().contains("supervisor: a task failed; the loop goes on"), log());
            assertTrue(log().contains("java.lang.IllegalStateException: boom"), log());
            assertTrue(log().contains("at " + RestartsTest.class.getName()), "with its stack: " + log());
        } finally {
            real.shutdown();
        }
    }
}
