package io.jcluster.cli.primary.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.changes.Restart;
import io.jcluster.cli.primary.changes.RollingReload;
import io.jcluster.cli.primary.changes.Scale;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Warm spares: when they start, how they take a slot, through scale and reload, their own crash-loop guard, stop. */
class SparesTest extends SupervisorFixture {
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
        return SupervisedApp.config(dir, """
                spares = %d
                port = %d
                listen = "handoff"
                jvm_args = [%s]
                """.formatted(spares, port, jvmArgs), """
                [restart]
                backoff_initial = "100ms"
                max_failures = 3
                failure_window = "1m"
                min_uptime = "1s"
                [reload]
                ready = "call"
                ready_timeout = "5s"
                """);
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

        processOf(0).exit(137);
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
        processOf(0).exit(137);
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
        processOf(1).exit(137);
        loop.runDue();
        assertEquals(List.of(), second);
        loop.advance(Spares.SLOT_ANSWER);
        assertEquals(List.of(1), second);
        assertTrue(log().contains("did not say within 1s that it knows its slot"), log());
    }

    @Test
    void aSpareThatSaidReadyBeforeItHadASlotIsReadyWhenItTakesOne() throws Exception {
        start(spareConfig(1));
        allReady();
        Worker spare = app.spares().all().get(0);
        loop.execute(() -> app.ready(spare, "JCluster.ready()")); // before its bind: no slot to be ready for
        loop.runDue();
        assertEquals("starting", status().spares().get(0).state(), "a spare is never ready");
        processOf(1).exit(137);
        loop.runDue();
        assertEquals(spare, workerOf(1));
        assertEquals("ready", status().workers().get(1).state(), "ready as soon as it serves the slot");
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
