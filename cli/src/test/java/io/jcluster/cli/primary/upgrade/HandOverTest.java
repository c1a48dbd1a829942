package io.jcluster.cli.primary.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.HandOverReply;
import io.jcluster.cli.primary.supervisor.Change;
import io.jcluster.cli.primary.supervisor.ServiceReports;
import io.jcluster.cli.primary.supervisor.SupervisedApp;
import io.jcluster.cli.primary.supervisor.Worker;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running primary's side of {@code jcluster upgrade} over a fake clock and fake workers: a
 * hand-over refused (another change runs, the primary runs in the foreground), a successor that
 * never comes back to retire it, and a hand-over to the end. The lease is an embedded channel.
 */
class HandOverTest {
    @TempDir
    Path dir;
    private SupervisedApp s;
    private Successors successors;
    private final EmbeddedChannel lease = new EmbeddedChannel();

    private void running(boolean foreground) throws Exception {
        s = new SupervisedApp(SupervisedApp.config(dir, 18091, "")).started();
        s.allReady();
        successors = new Successors(s.app, new ServiceReports(s.app, foreground), new Home(dir.resolve("home")));
    }

    private <T> T onLoop(CompletableFuture<T> f) {
        s.loop.runDue();
        return f.join();
    }

    private boolean anyWorkerSignalled() {
        return s.app.workers().stream().anyMatch(w -> !SupervisedApp.process(w).signals.isEmpty());
    }

    @Test
    void aHandOverIsRefusedWhileAnotherChangeRunsAndThatChangeGoesOn() throws Exception {
        running(false);
        Change reload = () -> "reload to generation 2";
        s.app.run("reload", reload, CompletableFuture::new); // runs until the test ends
        HandOverReply reply = onLoop(successors.handOver(lease));
        assertFalse(reply.ok());
        assertEquals("cannot upgrade now: a reload to generation 2 is running; wait for it to finish", reply.error());
        assertSame(reload, s.app.change(), "the refused hand-over did not end the change that runs");
        assertFalse(anyWorkerSignalled());
        assertFalse(successors.handedOver());
    }

    @Test
    void aPrimaryInTheForegroundRefusesAndStaysFreeForOtherChanges() throws Exception {
        running(true);
        HandOverReply reply = onLoop(successors.handOver(lease));
        assertFalse(reply.ok());
        assertTrue(reply.error().contains("runs in the foreground"), reply.error());
        assertNull(s.app.change(), "a refused hand-over holds no change");
        assertNull(s.app.refusal("reload"), "a reload may run");
        assertFalse(anyWorkerSignalled());
    }

    @Test
    void aSuccessorThatNeverComesBackLeavesTheAppToThisPrimary() throws Exception {
        running(false);
        List<Worker> workers = List.copyOf(s.app.workers());
        HandOverReply offer = onLoop(successors.handOver(lease));
        assertTrue(offer.ok(), offer.error());
        assertEquals(2, offer.slots());
        assertEquals(1, offer.generation());
        assertNotNull(s.app.refusal("reload"), "while the hand-over runs, no other change may");
        assertNull(onLoop(successors.sockets(lease)));

        lease.close(); // the new primary died, or gave up, before it asked this one to retire
        s.loop.runDue();
        assertNull(s.app.change());
        assertNull(s.app.refusal("reload"), "this primary carries on and takes changes again");
        assertFalse(successors.handedOver());
        assertEquals(workers, List.copyOf(s.app.workers()));
        assertFalse(anyWorkerSignalled(), "its workers serve on, untouched");
        assertFalse(s.app.stopping());
        assertTrue(s.log().contains("gave up the take-over (its connection closed): carrying on"), s.log());
    }

    @Test
    void retireStopsEveryWorkerAndTheAppIsTheSuccessorsFromThen() throws Exception {
        running(false);
        assertTrue(onLoop(successors.handOver(lease)).ok());
        onLoop(successors.sockets(lease));
        List<String> progress = new ArrayList<>();
        CompletableFuture<Void> retired = successors.retire(lease, progress::add);
        s.loop.runDue();
        assertTrue(successors.handedOver());
        assertTrue(progress.get(0).endsWith("stopped steering; retiring its 2 worker(s)"), progress.toString());
        assertTrue(retired.isDone(), "its workers are gone");
        assertTrue(s.app.stopped().isDone());
        lease.close(); // the successor closes the lease once it heard; nothing changes for a retired primary
        s.loop.runDue();
        assertTrue(s.log().contains("retiring 2 worker(s) and exiting"), s.log());
        assertFalse(s.log().contains("carrying on"), s.log());
    }
}
