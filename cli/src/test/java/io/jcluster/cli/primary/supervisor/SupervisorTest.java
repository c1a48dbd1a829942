package io.jcluster.cli.primary.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.HeapSizing;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.logs.PrimaryLog;
import io.jcluster.cli.primary.changes.HealthWatch;
import io.jcluster.cli.primary.changes.Recycler;
import io.jcluster.cli.primary.changes.Restart;
import io.jcluster.cli.primary.changes.RollingReload;
import io.jcluster.cli.primary.changes.Scale;
import io.jcluster.cli.primary.changes.Watcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's decisions over a fake clock and fake processes: backoff, the crash-loop guard,
 * rollback order, scale down, hung and over-memory workers. No JVM is started and nothing sleeps.
 */
class SupervisorTest {
    @TempDir
    Path dir;
    private final ManualLoop loop = new ManualLoop();
    private final FakeLauncher launcher = new FakeLauncher();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private Supervisor app;
    private SupervisedApp s;
    /** {@code [reload] warmup} of the next {@link #config}: none, unless a test is about it. */
    private String warmup = "0s";

    @BeforeEach
    void writeJar() throws Exception {
        Files.writeString(dir.resolve("app.jar"), "");
    }

    private AppConfig config(String extra) throws Exception {
        return config("", extra);
    }

    /** {@code restart} goes into the {@code [restart]} table, {@code extra} at the end (the {@code [health]} table). */
    private AppConfig config(String restart, String extra) throws Exception {
        Path file = dir.resolve("jcluster.toml");
        Files.writeString(file, """
                [app]
                name = "unit"
                jar = "app.jar"
                instances = 2
                port = 18080
                listen = "self"
                [restart]
                backoff_initial = "100ms"
                backoff_max = "1s"
                max_failures = 3
                failure_window = "1m"
                min_uptime = "1s"
                stable_after = "30s"
                """ + restart + """
                [reload]
                ready = "call"
                ready_timeout = "5s"
                drain_timeout = "2s"
                stop_timeout = "3s"
                warmup = "%s"
                [health]
                heartbeat_timeout = "10s"
                """.formatted(warmup) + extra);
        return ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString()));
    }

    private Supervisor start(AppConfig config) throws Exception {
        s = new SupervisedApp(config, loop, launcher, logBytes).started();
        app = s.app;
        return app;
    }

    private String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    private void allReady() {
        s.allReady();
    }

    private Worker workerOf(int slot) {
        return s.workerOf(slot);
    }

    private AppStatus status() {
        return app.status().snapshot();
    }

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
        ((FakeLauncher.FakeProcess) workerOf(0).process()).exit(1); // ready less than min_uptime: a failed start
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
        ((FakeLauncher.FakeProcess) workerOf(1).process()).exit(137);
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "a crash after a stable run restarts at once");
        assertEquals("crashed", status().workers().get(1).lastExit().reason());
        assertEquals("KILL", status().workers().get(1).lastExit().signal());
    }

    @Test
    void restartClearsAnErroredSlot() throws Exception {
        start(config(""));
        for (int i = 0; i < 3; i++) {
            ((FakeLauncher.FakeProcess) workerOf(0).process()).exit(1);
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

    /** Gives every worker that has none an agent connection (an embedded channel that keeps what the primary sends). */
    private void agentsConnected() {
        for (Worker w : app.workers()) {
            if (w.channel() == null) w.channel(new io.netty.channel.embedded.EmbeddedChannel());
        }
    }

    /** What the primary sent to {@code w}'s agent so far, frames as text. */
    private static String sent(Worker w) {
        StringBuilder text = new StringBuilder();
        io.netty.channel.embedded.EmbeddedChannel ch = (io.netty.channel.embedded.EmbeddedChannel) w.channel();
        for (io.netty.buffer.ByteBuf b; (b = ch.readOutbound()) != null; b.release()) text.append(b.toString(StandardCharsets.UTF_8));
        return text.toString();
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
    void scaleDownDrainsTheLeavingSlotsWorkerAndRemovesTheSlot() throws Exception {
        start(config(""));
        allReady();
        FakeLauncher.FakeProcess leaving = launcher.launches.get(1).process();
        List<String> progress = new ArrayList<>();
        CompletableFuture<AppStatus> result = new Scale(app, 1, progress::add).run();
        loop.runDue();
        assertFalse(leaving.alive());
        assertTrue(result.isDone());
        assertEquals(1, result.join().workers().size());
        assertEquals(2, launcher.launches.size(), "nothing new is started for a leaving slot");
        assertEquals("scaled down", app.metrics().metrics().recentExits().get(0).reason());
    }

    @Test
    void scaleUpStartsWorkersOnNewSlots() throws Exception {
        start(config(""));
        allReady();
        CompletableFuture<AppStatus> result = new Scale(app, 2 + 1, s -> {}).run();
        settle(result);
        assertEquals(3, result.join().workers().size());
        assertEquals("online", status().state());
    }

    /**
     * 2 workers have 25 % of the memory each (75 / (2 + 1)); 4 may have 15 %. The running ones are replaced
     * first, one at a time, and the new slots start after: the shares of the live JVMs never add up past 75 %.
     */
    @Test
    void scaleUpReplacesTheWorkersWithTooLargeAHeapShareBeforeAddingSlots() throws Exception {
        start(config(""));
        allReady();
        List<String> progress = new ArrayList<>();
        CompletableFuture<AppStatus> result = new Scale(app, 4, progress::add).run();
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "slot 0's replacement, and no new slot yet");
        assertEquals(0, launcher.launches.get(2).slot());
        assertEquals(15.0, share(launcher.launches.get(2).config()), 1e-9);
        double most = settle(result);
        assertTrue(most <= 75.0 + 1e-9, "the heaps' shares at most: " + most);
        assertEquals(4, result.join().workers().size());
        for (Worker w : app.workers()) assertEquals(15.0, share(w.config()), 1e-9, "every worker of the new share");
        assertEquals(List.of(0, 1, 2, 3), launcher.launches.subList(2, 6).stream().map(FakeLauncher.Launch::slot).toList(),
                "slots 0 and 1 replaced, then 2 and 3 started");
        assertTrue(progress.get(0).startsWith("slot 0: replacing pid " + launcher.launches.get(0).process().pid()
                + ": its heap share (25.00%) is more than 4 workers may have (15.00%)"), progress.toString());

        CompletableFuture<AppStatus> down = new Scale(app, 2, s -> {}).run();
        settle(down);
        assertEquals(6, launcher.launches.size(), "a scale down replaces nobody: the shares stay small");
    }

    /** The heap share a worker of {@code config} is started with. */
    private static double share(AppConfig config) {
        return HeapSizing.percent(config.jvms());
    }

    /** Lets {@code change} run to its end (workers ready, drains over); returns the largest sum of the live JVMs' shares seen. */
    private double settle(CompletableFuture<AppStatus> change) {
        double most = 0;
        for (int i = 0; i < 50 && !change.isDone(); i++) {
            most = Math.max(most, app.workers().stream().mapToDouble(w -> share(w.config())).sum());
            allReady();
            loop.advance(Duration.ofMillis(500));
        }
        assertTrue(change.isDone(), "the change ended: " + log());
        return Math.max(most, app.workers().stream().mapToDouble(w -> share(w.config())).sum());
    }

    @Test
    void oneChangeAtATime() throws Exception {
        start(config(""));
        allReady();
        CompletableFuture<AppStatus> scale = new Scale(app, 3, s -> {}).run();
        loop.runDue();
        assertEquals("cannot reload now: a scale from 2 to 3 is running; wait for it to finish", app.refusal("reload"));
        settle(scale);
        assertNull(app.refusal("reload"));
    }

    @Test
    void aSilentWorkerIsHungDumpedKilledAndReplacedAtOnce() throws Exception {
        start(config(""));
        allReady();
        Worker w = workerOf(0);
        w.channel(new io.netty.channel.embedded.EmbeddedChannel()); // an agent connection that then says nothing
        HealthWatch health = new HealthWatch(app);
        loop.advance(Duration.ofSeconds(10));
        health.judge(Map.of());
        assertEquals(2, launcher.launches.size(), "10 s is the timeout, not past it");
        loop.advance(Duration.ofMillis(1));
        health.judge(Map.of());
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "a replacement starts at once");
        FakeLauncher.FakeProcess hung = launcher.launches.get(0).process();
        assertTrue(hung.alive(), "the dump gets its grace");
        loop.advance(HealthWatch.DUMP_GRACE);
        assertEquals(List.of("KILL"), hung.signals);
        assertTrue(status().workers().get(0).lastExit().reason().startsWith("hung: no heartbeat for 10001 ms"),
                status().workers().get(0).lastExit().reason());
        assertEquals(1, status().workers().get(0).restarts());
    }

    @Test
    void aWorkerOverItsMemoryLimitForTheGraceIsReplacedGracefully() throws Exception {
        start(config("max_memory = \"100MB\"\nmemory_grace = \"3s\"\n"));
        allReady();
        HealthWatch health = new HealthWatch(app);
        long pid = workerOf(0).pid();
        Map<Long, Long> rss = Map.of(pid, 200L << 20);
        health.judge(rss);
        loop.advance(Duration.ofSeconds(2));
        health.judge(rss);
        assertEquals(2, launcher.launches.size(), "within the grace");
        loop.advance(Duration.ofSeconds(1));
        health.judge(rss);
        loop.runDue();
        assertEquals(3, launcher.launches.size(), "a replacement starts beside it");
        FakeLauncher.FakeProcess old = launcher.launches.get(0).process();
        assertTrue(old.alive(), "the old one serves until the new one is ready");
        allReady();
        assertFalse(old.alive());
        assertTrue(status().workers().get(0).lastExit().reason().startsWith("replaced: rss 200 MiB over max_memory 100 MiB"),
                status().workers().get(0).lastExit().reason());
        assertNull(app.change());
    }

    @Test
    void aWorkerBackUnderItsLimitStartsTheGraceAgain() throws Exception {
        start(config("max_memory = \"100MB\"\nmemory_grace = \"3s\"\n"));
        allReady();
        HealthWatch health = new HealthWatch(app);
        long pid = workerOf(0).pid();
        health.judge(Map.of(pid, 200L << 20));
        loop.advance(Duration.ofSeconds(2));
        health.judge(Map.of(pid, 50L << 20));
        loop.advance(Duration.ofSeconds(2));
        health.judge(Map.of(pid, 200L << 20));
        assertEquals(2, launcher.launches.size(), "the grace counts from the last time it went over");
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
    void aFailedLaunchCountsAsACrash() throws Exception {
        launcher.failWith = "could not start /no/java: No such file";
        start(config(""));
        assertEquals("backoff", status().workers().get(0).state());
        assertEquals("could not start /no/java: No such file", status().workers().get(0).lastExit().reason());
        assertNotNull(loop.nextTimer());
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
            assertTrue(log().contains("at io.jcluster.cli.primary.supervisor.SupervisorTest"), "with its stack: " + log());
        } finally {
            real.shutdown();
        }
    }

    @Test
    void aWorkerThatExitsWithAnOkCodeIsNotRestartedAndItsSlotShowsStopped() throws Exception {
        start(config("ok_exit_codes = [0]\n", ""));
        allReady();
        ((FakeLauncher.FakeProcess) workerOf(0).process()).exit(0);
        loop.advance(Duration.ofMinutes(1));
        assertEquals(2, launcher.launches.size(), "exit 0 is done, not a crash");
        assertEquals("stopped", status().workers().get(0).state());
        assertEquals("exit code 0", status().workers().get(0).lastExit().describe());
        assertEquals("degraded", status().state());
        ((FakeLauncher.FakeProcess) workerOf(1).process()).exit(3);
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
        ((FakeLauncher.FakeProcess) workerOf(0).process()).exit(137);
        ((FakeLauncher.FakeProcess) workerOf(1).process()).exit(1);
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
        ((FakeLauncher.FakeProcess) workerOf(0).process()).exit(1); // degraded when it comes due
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

    /** The unit app in handoff mode (real slot sockets on a free port) with {@code spares} warm spares. */
    private AppConfig spareConfig(int spares) throws Exception {
        return spareConfig(spares, "");
    }

    /** {@code jvmArgs}: the TOML array's items, e.g. {@code "-Xmx64m"}. */
    private AppConfig spareConfig(int spares, String jvmArgs) throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path file = dir.resolve("spares.toml");
        Files.writeString(file, """
                [app]
                name = "unit"
                jar = "app.jar"
                instances = 2
                spares = %d
                port = %d
                listen = "handoff"
                jvm_args = [%s]
                [restart]
                backoff_initial = "100ms"
                max_failures = 3
                failure_window = "1m"
                min_uptime = "1s"
                [reload]
                ready = "call"
                ready_timeout = "5s"
                """.formatted(spares, port, jvmArgs));
        return ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString()));
    }

    /** The spare's request for its slot's socket, held as WorkerMessages holds a bind: it is warm. */
    private List<Integer> warm(Worker spare) {
        List<Integer> answeredWithSlot = new ArrayList<>();
        loop.execute(() -> spare.hold(() -> answeredWithSlot.add(spare.slotIndex())));
        loop.runDue();
        return answeredWithSlot;
    }

    private List<FakeLauncher.Launch> spareLaunches() {
        return launcher.launches.stream().filter(l -> l.slot() == -1).toList();
    }

    @Test
    void aSpareStartsOnceTheSlotsAreReadyAndTakesACrashedSlotAtOnce() throws Exception {
        start(spareConfig(1));
        assertEquals(List.of(0, 1), launcher.launches.stream().map(FakeLauncher.Launch::slot).toList(),
                "no spare while the slots' workers start");
        allReady();
        assertEquals(1, spareLaunches().size(), "then one spare");
        Worker spare = app.spares().all().get(0);
        assertEquals("starting", status().spares().get(0).state());
        List<Integer> answered = warm(spare);
        assertEquals("spare", status().spares().get(0).state(), "waiting in its bind: warm");
        assertEquals("online", status().state(), "a spare is no slot: the app is online");
        assertEquals(2, status().workers().size());

        ((FakeLauncher.FakeProcess) workerOf(0).process()).exit(137);
        loop.runDue();
        assertEquals(spare, workerOf(0), "the spare took slot 0");
        assertEquals(List.of(0), answered, "its held bind was answered with slot 0's socket");
        assertEquals("starting", status().workers().get(0).state(), "not backing off: no JVM start to wait for");
        assertEquals(1, status().workers().get(0).restarts());
        assertEquals(1, spareLaunches().size(), "no new spare while slot 0's worker is not ready");
        assertEquals(3, launcher.launches.size(), "and no new JVM for the slot");
        allReady();
        assertEquals("online", status().state());
        assertEquals(2, spareLaunches().size(), "the spare count is kept: a new one starts in the background");
        assertTrue(log().contains("slot 0: spare pid " + spare.pid() + " takes the slot (warm: it waited for the slot's socket)"), log());
    }

    @Test
    void aSpareThatTakesASlotIsToldWhichAndItsBindWaitsForItsAgentToKnow() throws Exception {
        start(spareConfig(1));
        allReady();
        agentsConnected();
        Worker spare = app.spares().all().get(0);
        sent(spare); // nothing of this test yet
        List<Integer> answered = warm(spare);
        ((FakeLauncher.FakeProcess) workerOf(0).process()).exit(137);
        loop.runDue();
        assertEquals(spare, workerOf(0));
        assertTrue(sent(spare).endsWith("slot\nslot=0\n"), "the agent is told the slot");
        assertEquals(List.of(), answered, "the held bind waits until the agent knows");
        loop.execute(spare::slotKnown); // the agent's answer (WorkerMessages: slot)
        loop.runDue();
        assertEquals(List.of(0), answered, "then it gets slot 0's socket");

        // an agent that never answers (one that does not know the message): the bind is answered after a second
        allReady();
        agentsConnected();
        Worker next = app.spares().all().get(0);
        List<Integer> second = warm(next);
        ((FakeLauncher.FakeProcess) workerOf(1).process()).exit(137);
        loop.runDue();
        assertEquals(List.of(), second);
        loop.advance(Spares.SLOT_ANSWER);
        assertEquals(List.of(1), second);
        assertTrue(log().contains("did not say within 1s that it knows its slot"), log());
    }

    @Test
    void workersThatStartBesideServingOnesAreSoMarkedForALowerCpuShare() throws Exception {
        AppConfig cfg = start(config("")).config();
        assertEquals(List.of(), launcher.starting, "the first start has nobody to protect");
        allReady();
        long first = launcher.launches.get(0).process().pid();
        ((FakeLauncher.FakeProcess) workerOf(0).process()).exit(137);
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
    void scaleUpTakesSparesFirst() throws Exception {
        start(spareConfig(1, "\"-Xmx64m\"")); // heaps sized by jvm_args: a new count changes no share
        allReady();
        Worker spare = app.spares().all().get(0);
        List<Integer> answered = warm(spare);
        CompletableFuture<AppStatus> result = new Scale(app, 3, s -> {}).run();
        loop.runDue();
        assertEquals(spare, app.slots().get(2).worker(), "slot 2 got the spare");
        assertEquals(List.of(2), answered);
        assertEquals(3, launcher.launches.size(), "no new JVM for slot 2");
        allReady();
        assertEquals(3, result.join().workers().size());
        assertEquals(2, spareLaunches().size(), "a new spare once the scale is done");
    }

    @Test
    void aSpareOfTooLargeAHeapShareIsRetiredNotGivenASlot() throws Exception {
        start(spareConfig(1)); // 2 workers and a spare: 18.75 % each; 3 and a spare: 15 %
        allReady();
        Worker spare = app.spares().all().get(0);
        warm(spare);
        CompletableFuture<AppStatus> result = new Scale(app, 3, s -> {}).run();
        loop.runDue();
        assertTrue(spare.retiring(), "the spare goes");
        settle(result);
        assertTrue(app.slots().stream().noneMatch(s -> s.worker() == spare), "no slot got it");
        for (Worker w : app.workers()) assertEquals(15.0, share(w.config()), 1e-9);
        assertEquals(3, result.join().workers().size());
        allReady();
        assertEquals(1, app.spares().all().size(), "a new spare of the new share once the scale is done");
    }

    @Test
    void aReloadLeavesTheOldSparesUntilItIsDoneThenMakesNewOnes() throws Exception {
        AppConfig cfg = start(spareConfig(1)).config();
        allReady();
        FakeLauncher.FakeProcess oldSpare = spareLaunches().get(0).process();
        warm(app.spares().all().get(0));
        CompletableFuture<AppStatus> result = new RollingReload(app, cfg, s -> {}).run();
        loop.runDue();
        allReady();
        assertTrue(oldSpare.alive(), "the old spare stays while the reload runs");
        for (int i = 0; i < 20 && !result.isDone(); i++) { // through the warm-ups and drains, each new worker ready at once
            loop.advance(Duration.ofSeconds(1));
            allReady();
        }
        assertTrue(result.isDone());
        assertEquals(2, status().workers().get(1).generation(), log());
        assertEquals(List.of("TERM"), oldSpare.signals, "the generation 1 spare goes once the reload is done:\n" + log());
        assertEquals(2, spareLaunches().size());
        assertEquals(2, spareLaunches().get(1).generation(), "its successor is of generation 2");
        assertTrue(launcher.launches.stream().filter(l -> l.slot() >= 0 && l.generation() == 2).count() == 2,
                "the reload started new JVMs for the slots: spares of the old generation are not used");
    }

    @Test
    void sparesThatKeepDyingBeforeTheyServeStopBeingMade() throws Exception {
        start(spareConfig(1));
        allReady();
        for (int i = 0; i < 3; i++) {
            spareLaunches().get(i).process().exit(1);
            loop.advance(Duration.ofSeconds(1));
        }
        assertEquals(3, spareLaunches().size(), "two backed-off restarts, then the guard trips");
        loop.advance(Duration.ofMinutes(1));
        assertEquals(3, spareLaunches().size());
        assertTrue(status().reason().startsWith("spares failed to start 3 times within 1m"), status().reason());
        assertEquals("online", status().state(), "the slots serve on");
        new Restart(app, null).run();
        loop.runDue();
        allReady();
        assertEquals(4, spareLaunches().size(), "restart lets spares be made again");
    }

    @Test
    void aSpareThatSaidReadyBeforeItHadASlotIsReadyWhenItTakesOne() throws Exception {
        start(spareConfig(1));
        allReady();
        Worker spare = app.spares().all().get(0);
        loop.execute(() -> app.ready(spare, "JCluster.ready()")); // before its bind: no slot to be ready for
        loop.runDue();
        assertEquals("starting", status().spares().get(0).state(), "a spare is never ready");
        ((FakeLauncher.FakeProcess) workerOf(1).process()).exit(137);
        loop.runDue();
        assertEquals(spare, workerOf(1));
        assertEquals("ready", status().workers().get(1).state(), "ready as soon as it serves the slot");
    }

    @Test
    void stopEndsTheSparesToo() throws Exception {
        start(spareConfig(2));
        allReady();
        assertEquals(2, spareLaunches().size());
        warm(app.spares().all().get(0));
        loop.execute(app::stop);
        loop.runDue();
        loop.advance(Duration.ofSeconds(3));
        assertTrue(spareLaunches().stream().allMatch(l -> !l.process().alive()));
        assertTrue(app.stopped().isDone());
    }
}
