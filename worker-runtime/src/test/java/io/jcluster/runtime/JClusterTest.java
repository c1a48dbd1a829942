package io.jcluster.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.StandardMBean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JClusterTest {

    private static final WorkerEnv MANAGED = WorkerEnv.of(Map.of(
            WorkerEnv.SOCKET, "/nonexistent/workers.sock", WorkerEnv.SLOT, "2", WorkerEnv.GENERATION, "5"));

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @AfterEach
    void restore() throws Exception {
        JCluster.env = WorkerEnv.system();
        JCluster.reset();
        if (server.isRegistered(JCluster.AGENT)) {
            server.unregisterMBean(JCluster.AGENT);
        }
    }

    @Test
    void unmanagedAppsSeeNeutralValuesAndNoOps() {
        JCluster.env = WorkerEnv.of(Map.of());
        assertFalse(JCluster.isManaged());
        assertEquals(-1, JCluster.slot());
        assertEquals(0, JCluster.generation());
        JCluster.ready();
        assertFalse(JCluster.isDraining());
    }

    @Test
    void managedWithoutAgentIsANoOp() {
        JCluster.env = MANAGED;
        assertTrue(JCluster.isManaged());
        assertEquals(2, JCluster.slot());
        assertEquals(5, JCluster.generation());
        JCluster.ready();
        assertFalse(JCluster.isDraining());
    }

    @Test
    void aSpareHasNoSlotUntilTheAgentSetsTheOneItTook() {
        JCluster.env = WorkerEnv.of(Map.of(WorkerEnv.SOCKET, "/nonexistent/workers.sock", WorkerEnv.SPARE, "1",
                WorkerEnv.GENERATION, "5"));
        try {
            System.clearProperty(JCluster.SLOT_PROPERTY);
            assertEquals(-1, JCluster.slot());
            System.setProperty(JCluster.SLOT_PROPERTY, "3");
            assertEquals(3, JCluster.slot());
            JCluster.env = MANAGED;
            assertEquals(2, JCluster.slot(), "a worker started on a slot keeps the one its environment names");
        } finally {
            System.clearProperty(JCluster.SLOT_PROPERTY);
        }
    }

    @Test
    void readyReachesTheAgentByName() throws Exception {
        JCluster.env = MANAGED;
        FakeAgent agent = new FakeAgent();
        server.registerMBean(new StandardMBean(agent, AgentMXBean.class, true), JCluster.AGENT);
        JCluster.ready();
        assertEquals(1, agent.readyCalls.get());
        agent.draining = true;
        assertTrue(JCluster.isDraining(), "asks the agent when the app has no hooks of its own");
    }

    @Test
    void figureGroupsAreReadOncePerCallAndBadEntriesSkipped() {
        AtomicInteger calls = new AtomicInteger();
        JCluster.figures(() -> {
            calls.incrementAndGet();
            Map<String, Long> m = new java.util.HashMap<>();
            m.put("http.requests", 7L);
            m.put("http.latency.b40", 3L);
            m.put("bad name", 1L);
            m.put("nothing", null);
            return m;
        });
        JCluster.figures(() -> {
            throw new IllegalStateException("a broken group costs only itself");
        });
        JCluster.figure("single", () -> 1);
        AppMXBean app = JMX.newMXBeanProxy(server, JCluster.APP, AppMXBean.class);
        assertEquals(Map.of("http.requests", 7L, "http.latency.b40", 3L, "single", 1L), app.getFigures());
        assertEquals(1, calls.get(), "one call per read: the group computes its interval once");
    }

    @Test
    void drainRunsHooksInOrderThroughTheAppMXBean() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        JCluster.onDrain(timeout -> {
            calls.add("first");
            assertTrue(timeout.compareTo(Duration.ofMillis(800)) <= 0 && !timeout.isNegative());
            return 2;
        });
        JCluster.onDrain(timeout -> {
            calls.add("second");
            throw new IllegalStateException("a failing hook does not stop the others");
        });
        JCluster.onDrain(timeout -> {
            calls.add("third");
            return 3;
        });
        JCluster.figure("requests", () -> 42);
        JCluster.figure("broken", () -> {
            throw new IllegalStateException();
        });
        assertThrows(IllegalArgumentException.class, () -> JCluster.figure("bad name", () -> 1));

        // The agent's view: a proxy that only knows the interface, as across class loaders.
        AppMXBean app = JMX.newMXBeanProxy(server, JCluster.APP, AppMXBean.class);
        assertEquals(Map.of("requests", 42L), app.getFigures());
        assertFalse(JCluster.isDraining());
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
        try {
            assertEquals(5, app.drain(800));
        } finally {
            System.setErr(stderr);
        }
        assertEquals(List.of("first", "second", "third"), calls);
        String err = said.toString(StandardCharsets.UTF_8);
        assertTrue(err.startsWith("[jcluster] a drain hook failed:\njava.lang.IllegalStateException: a failing hook does not stop the others"),
                "the failing hook is reported on stderr, with its stack: " + err);
        assertTrue(JCluster.isDraining());
    }

    private static final class FakeAgent implements AgentMXBean {
        final AtomicInteger readyCalls = new AtomicInteger();
        volatile boolean draining;

        @Override
        public void ready() {
            readyCalls.incrementAndGet();
        }

        @Override
        public int getSlot() {
            return 2;
        }

        @Override
        public long getGeneration() {
            return 5;
        }

        @Override
        public boolean isDraining() {
            return draining;
        }
    }
}
