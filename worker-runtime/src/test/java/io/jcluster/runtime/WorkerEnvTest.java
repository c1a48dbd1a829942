package io.jcluster.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class WorkerEnvTest {

    @Test
    void unmanagedDefaults() {
        WorkerEnv env = WorkerEnv.of(Map.of());
        assertFalse(env.isManaged());
        assertEquals(Optional.empty(), env.socket());
        assertNull(env.app());
        assertEquals(-1, env.slot());
        assertEquals(0, env.generation());
        assertEquals(OptionalInt.empty(), env.port());
        assertEquals(WorkerEnv.LISTEN_HANDOFF, env.listen());
        assertEquals(WorkerEnv.DEFAULT_HEARTBEAT_MILLIS, env.heartbeatMillis());
        assertEquals(WorkerEnv.DEFAULT_DRAIN_TIMEOUT_MILLIS, env.drainTimeoutMillis());
    }

    @Test
    void managedValues() {
        WorkerEnv env = WorkerEnv.of(Map.of(
                "JCLUSTER_WORKER_SOCKET", "/run/hello/workers.sock",
                "JCLUSTER_APP", "hello",
                "JCLUSTER_SLOT", "3",
                "JCLUSTER_GENERATION", "12",
                "JCLUSTER_PORT", "8080",
                "JCLUSTER_LISTEN", "self",
                "JCLUSTER_HEARTBEAT_MILLIS", "250",
                "JCLUSTER_DRAIN_TIMEOUT_MILLIS", "0"));
        assertTrue(env.isManaged());
        assertEquals(Optional.of(Path.of("/run/hello/workers.sock")), env.socket());
        assertEquals("hello", env.app());
        assertEquals(3, env.slot());
        assertEquals(12, env.generation());
        assertEquals(OptionalInt.of(8080), env.port());
        assertEquals(WorkerEnv.LISTEN_SELF, env.listen());
        assertEquals(250, env.heartbeatMillis());
        assertEquals(0, env.drainTimeoutMillis());
    }

    @Test
    void malformedValuesReadAsDefaults() {
        WorkerEnv env = WorkerEnv.of(Map.of(
                "JCLUSTER_WORKER_SOCKET", "  ",
                "JCLUSTER_SLOT", "three",
                "JCLUSTER_GENERATION", "",
                "JCLUSTER_PORT", "70000",
                "JCLUSTER_LISTEN", "bogus",
                "JCLUSTER_HEARTBEAT_MILLIS", "0",
                "JCLUSTER_DRAIN_TIMEOUT_MILLIS", "-5"));
        assertFalse(env.isManaged(), "a blank socket path is unset");
        assertEquals(-1, env.slot());
        assertEquals(0, env.generation());
        assertEquals(OptionalInt.empty(), env.port());
        assertEquals(WorkerEnv.LISTEN_HANDOFF, env.listen());
        assertEquals(WorkerEnv.DEFAULT_HEARTBEAT_MILLIS, env.heartbeatMillis());
        assertEquals(WorkerEnv.DEFAULT_DRAIN_TIMEOUT_MILLIS, env.drainTimeoutMillis());
    }

    @Test
    void constantsMatchTheProtocol() {
        assertEquals("JCLUSTER_WORKER_SOCKET", WorkerEnv.SOCKET);
        assertEquals("JCLUSTER_APP", WorkerEnv.APP);
        assertEquals("JCLUSTER_SLOT", WorkerEnv.SLOT);
        assertEquals("JCLUSTER_GENERATION", WorkerEnv.GENERATION);
        assertEquals("JCLUSTER_PORT", WorkerEnv.PORT);
        assertEquals("JCLUSTER_LISTEN", WorkerEnv.LISTEN);
        assertEquals("JCLUSTER_HEARTBEAT_MILLIS", WorkerEnv.HEARTBEAT_MILLIS);
        assertEquals("JCLUSTER_DRAIN_TIMEOUT_MILLIS", WorkerEnv.DRAIN_TIMEOUT_MILLIS);
    }
}
