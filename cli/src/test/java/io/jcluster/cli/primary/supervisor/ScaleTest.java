package io.jcluster.cli.primary.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.primary.changes.Scale;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Scale up and down, heaps' shares that never add up past 75 %, and one change at a time. */
class ScaleTest extends SupervisorFixture {
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
}
