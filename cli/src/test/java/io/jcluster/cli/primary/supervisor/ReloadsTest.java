package io.jcluster.cli.primary.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.changes.Recycler;
import io.jcluster.cli.primary.changes.RollingReload;
import io.jcluster.cli.primary.changes.Watcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Rolling reloads slot by ready slot, with and without a warm-up, the rollback of a failed one, and
 * what starts them: recycles, max_requests and watched files. New workers beside serving ones start
 * at a lower CPU share.
 */
class ReloadsTest extends SupervisorFixture {
    @Test
    void aReloadMovesSlotByReadySlotAndOldWorkersDrainOnlyAfterTheirReplacementIsReady() throws Exception {
        AppConfig cfg = start(config("")).config();
        allReady();
        FakeLauncher.FakeProcess old0 = launcher.launches.get(0).process();
        FakeLauncher.FakeProcess old1 = launcher.launches.get(1).process();
        List<String> progress = new ArrayList<>();
        CompletableFuture<AppStatus> result = new RollingReload(app, cfg, progress::add).run();
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "one slot at a time");
        assertEquals(new FakeLauncher.Launch(0, 2, cfg, launcher.last()), launcher.launches.get(2), "slot 0 first, generation 2");
        assertTrue(old0.alive(), "the old worker serves until its replacement is ready");
        allReady();
        assertFalse(old0.alive(), "then it drains and goes");
        assertEquals(4, launcher.launches.size(), "slot 1 next");
        assertTrue(old1.alive());
        allReady();
        assertTrue(result.isDone());
        assertEquals(2, app.generation());
        assertEquals(2, result.join().workers().get(1).generation());
        assertTrue(progress.contains("every slot runs generation 2"), progress.toString());
    }

    @Test
    void withAWarmupTheOldWorkerServesBesideTheReadyNewOneAndDrainsOnlyAfterIt() throws Exception {
        warmup = "3s";
        AppConfig cfg = start(config("")).config();
        allReady();
        agentsConnected();
        Worker old0 = workerOf(0);
        Worker old1 = workerOf(1);
        List<String> progress = new ArrayList<>();
        CompletableFuture<AppStatus> result = new RollingReload(app, cfg, progress::add).run();
        loop.runDue();
        allReady(); // slot 0's new worker is ready
        Worker new0 = workerOf(0);
        assertTrue(new0 != old0 && new0.state() == WorkerState.READY, "the new worker has the slot");
        assertEquals(WorkerState.READY, old0.state(), "the old one still serves beside it");
        String handover = sent(old0);
        assertTrue(handover.contains("handover\nspreadMillis=3000\n"), handover);
        assertFalse(handover.contains("drain"), handover);
        assertTrue(progress.contains("slot 0: pid " + new0.pid() + " ready; pid " + old0.pid()
                + " serves beside it for 3s (warm-up), then drains"), progress.toString());

        loop.advance(Duration.ofMillis(2999));
        assertEquals(WorkerState.READY, old0.state(), "still warming up at 2999 ms");
        assertEquals(3, launcher.launches.size(), "slot 1 waits for slot 0's warm-up and drain");
        loop.advance(Duration.ofMillis(1));
        assertEquals(WorkerState.DRAINING, old0.state(), "drains once the warm-up is over");
        assertTrue(sent(old0).contains("drain\ntimeoutMillis=2000\n"));
        loop.execute(() -> app.drained(old0)); // its agent answers drained: SIGTERM
        loop.runDue();
        assertFalse(old0.alive());
        assertEquals("replaced by generation 2", app.metrics().metrics().recentExits().get(0).reason());
        assertEquals(4, launcher.launches.size(), "then slot 1");
        allReady();
        assertEquals(WorkerState.READY, old1.state());
        loop.advance(Duration.ofSeconds(3));
        loop.advance(Duration.ofSeconds(2)); // its drain timeout: SIGTERM without an answer
        assertFalse(old1.alive());
        assertTrue(result.isDone() && !result.isCompletedExceptionally());
        assertEquals(2, result.join().workers().get(1).generation());
    }

    @Test
    void aStopDuringTheWarmupStopsBothWorkersAndAbandonsTheReload() throws Exception {
        warmup = "3s";
        AppConfig cfg = start(config("")).config();
        allReady();
        agentsConnected();
        Worker old0 = workerOf(0);
        CompletableFuture<AppStatus> result = new RollingReload(app, cfg, s -> {}).run();
        loop.runDue();
        allReady();
        Worker new0 = workerOf(0);
        loop.advance(Duration.ofSeconds(1)); // inside the warm-up
        loop.execute(app::stop);
        loop.runDue();
        assertFalse(new0.alive(), "the new worker stops (it has no agent here: SIGTERM at once)");
        assertEquals(WorkerState.DRAINING, old0.state(), "the old one drains");
        loop.advance(Duration.ofSeconds(2)); // past where the warm-up would have ended, and the drain timeout
        assertFalse(old0.alive());
        assertEquals(List.of("TERM"), ((FakeLauncher.FakeProcess) old0.process()).signals, "one SIGTERM: the warm-up's end does nothing more");
        assertTrue(app.stopped().isDone());
        assertTrue(result.isCompletedExceptionally(), "the reload is abandoned");
        assertEquals(3, launcher.launches.size(), "slot 1 was never replaced");
        assertNull(app.change());
    }

    @Test
    void theOldWorkerCrashingDuringTheWarmupLeavesTheSlotToTheNewOne() throws Exception {
        warmup = "3s";
        AppConfig cfg = start(config("")).config();
        allReady();
        Worker old0 = workerOf(0);
        CompletableFuture<AppStatus> result = new RollingReload(app, cfg, s -> {}).run();
        loop.runDue();
        allReady();
        Worker new0 = workerOf(0);
        ((FakeLauncher.FakeProcess) old0.process()).exit(137);
        loop.runDue();
        assertEquals(new0, workerOf(0), "the new worker simply has the slot");
        assertEquals(0, status().workers().get(0).restarts(), "no restart: the old worker was on its way out");
        assertEquals(4, launcher.launches.size(), "the reload goes on with slot 1 at once");
        assertEquals(1, launcher.launches.get(3).slot());
        allReady();
        loop.advance(Duration.ofSeconds(3));
        assertTrue(result.isDone() && !result.isCompletedExceptionally());
    }

    @Test
    void aFailedReloadRollsBackTheSlotsAlreadyMovedLastFirst() throws Exception {
        AppConfig cfg = start(config("")).config();
        allReady();
        FakeLauncher.FakeProcess old1 = launcher.launches.get(1).process();
        List<String> progress = new ArrayList<>();
        CompletableFuture<AppStatus> result = new RollingReload(app, cfg, progress::add).run();
        loop.runDue();
        allReady(); // slot 0 moves to generation 2
        launcher.last().exit(1); // slot 1's new worker fails
        loop.runDue();
        assertTrue(old1.alive(), "slot 1 keeps its old worker");
        FakeLauncher.Launch rollback = launcher.launches.get(launcher.launches.size() - 1);
        assertEquals(0, rollback.slot(), "slot 0 goes back");
        assertEquals(1, rollback.generation(), "to generation 1");
        allReady();
        assertTrue(result.isCompletedExceptionally());
        assertEquals(1, status().workers().get(0).generation());
        assertEquals(1, status().workers().get(1).generation());
        assertNull(app.change(), "the change is over");
        assertTrue(progress.stream().anyMatch(p -> p.startsWith("slot 1: the new worker of generation 2 failed")), progress.toString());
    }

    @Test
    void workersThatStartBesideServingOnesAreSoMarkedForALowerCpuShare() throws Exception {
        AppConfig cfg = start(config("")).config();
        assertEquals(List.of(), launcher.starting, "the first start has nobody to protect");
        allReady();
        long first = launcher.launches.get(0).process().pid();
        processOf(0).exit(137);
        loop.advance(Duration.ofSeconds(1));
        long replacement = workerOf(0).pid();
        assertTrue(replacement != first);
        assertEquals(List.of(replacement), launcher.starting, "a crash replacement starts beside slot 1's worker");
        allReady();
        new RollingReload(app, cfg, s -> {}).run();
        loop.runDue();
        assertEquals(List.of(replacement, launcher.last().pid), launcher.starting, "and so does a reload's new worker");
    }

    @Test
    void aRecycleIsARollingReloadWhenDueAndWaitsWhileTheAppIsDegraded() throws Exception {
        start(config("[recycle]\nevery = \"1h\"\n"));
        allReady();
        Recycler recycler = new Recycler(app, new java.util.Random(7));
        recycler.tick();
        assertEquals(loop.now().plus(Duration.ofHours(1)), app.nextRecycle(), "no jitter: due an hour after the generation started");
        assertEquals(app.nextRecycle().toEpochMilli(), status().nextRecycleAtEpochMillis(), "ls shows it");
        loop.advance(Duration.ofMinutes(59));
        recycler.tick();
        assertEquals(2, launcher.launches.size(), "not yet");
        loop.advance(Duration.ofMillis(59_900));
        processOf(0).exit(1); // degraded when it comes due
        loop.advance(Duration.ofMillis(200)); // due now; slot 0's replacement is starting
        recycler.tick();
        assertNull(app.change(), "a due recycle waits while the app is degraded");
        allReady();
        recycler.tick();
        assertNotNull(app.change(), "and runs once it is online again");
        assertEquals("reload to generation 2", app.change().describe());
        allReady();
        allReady();
        assertEquals(2, app.generation());
        recycler.tick();
        assertEquals(loop.now().plus(Duration.ofHours(1)), app.nextRecycle(), "the next is an hour after the new generation");
    }

    @Test
    void aWorkerThatServedMaxRequestsIsReplacedAlone() throws Exception {
        start(config("[recycle]\nmax_requests = 1000\n"));
        allReady();
        Recycler recycler = new Recycler(app, new java.util.Random(7));
        workerOf(1).heartbeat(Map.of("app.http.requests", "999"), loop.now());
        recycler.tick();
        assertEquals(2, launcher.launches.size());
        workerOf(1).heartbeat(Map.of("app.http.requests", "1000"), loop.now());
        FakeLauncher.FakeProcess old = (FakeLauncher.FakeProcess) workerOf(1).process();
        recycler.tick();
        loop.runDue();
        assertEquals(3, launcher.launches.size());
        assertEquals(1, launcher.launches.get(2).slot(), "slot 1 only");
        assertTrue(old.alive(), "the old one serves until its replacement is ready");
        allReady();
        assertFalse(old.alive());
        assertEquals("recycled: served 1000 requests (max_requests 1000)", status().workers().get(1).lastExit().reason());
        assertEquals(1, app.generation(), "a one-slot recycle keeps the generation");
    }

    @Test
    void aWatchedFileThatChangesAndSettlesIsReloadedOnceAndNotRetriedUntilItChangesAgain() throws Exception {
        Path watched = Files.writeString(dir.resolve("settings.txt"), "v1");
        start(config("[watch]\nenabled = true\npaths = [\"settings.txt\"]\n"));
        allReady();
        List<String> reloads = new ArrayList<>();
        Watcher watcher = new Watcher(app, progress -> {
            reloads.add("reload");
            return CompletableFuture.failedFuture(new ChangeFailed("the new jar does not start", List.of()));
        });
        watcher.tick(); // the baseline
        loop.runDue();
        loop.advance(Duration.ofSeconds(1));
        watcher.tick();
        loop.runDue();
        assertEquals(List.of(), reloads, "nothing changed");
        Files.writeString(watched, "a new build");
        Files.setLastModifiedTime(watched, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        for (int i = 0; i < 5; i++) {
            loop.advance(Duration.ofSeconds(1));
            watcher.tick();
            loop.runDue();
        }
        assertEquals(List.of("reload"), reloads, "one reload once the file settled, and no retry of a failed one");
        Files.writeString(watched, "another build");
        Files.setLastModifiedTime(watched, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 9000));
        for (int i = 0; i < 5; i++) {
            loop.advance(Duration.ofSeconds(1));
            watcher.tick();
            loop.runDue();
        }
        assertEquals(List.of("reload", "reload"), reloads, "a new change is tried");
    }
}
