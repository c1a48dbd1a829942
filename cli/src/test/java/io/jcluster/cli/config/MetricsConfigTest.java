package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jcluster.runtime.WorkerEnv;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code [metrics]} and {@code [overload]} tables. */
class MetricsConfigTest {
    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void jar() throws IOException {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        file = dir.resolve("jcluster.toml");
    }

    private AppConfig load(String toml) throws IOException, ConfigException {
        Files.writeString(file, "[app]\njar = \"app.jar\"\n" + toml);
        return ConfigLoader.load(new StartSpec(file.toString(), null, dir.toString()));
    }

    private String error(String toml) {
        return assertThrows(ConfigException.class, () -> load(toml)).getMessage();
    }

    @Test
    void offByDefaultAndOneSecond() throws Exception {
        AppConfig c = load("");
        assertEquals(Duration.ofSeconds(1), c.metrics().interval());
        assertNull(c.metrics().prometheusAddress());
        assertNull(c.overload().maxInflight());
        assertNull(c.overload().maxLoopLag());
        assertEquals(Map.of(), c.overload().workerEnv(), "no bound, no shedding");
        assertEquals(1000, c.heartbeatMillis());
    }

    @Test
    void readsBothTables() throws Exception {
        AppConfig c = load("[metrics]\ninterval = \"500ms\"\nlisten = \"9464\"\n[overload]\nmax_inflight = 64\nmax_loop_lag = \"100ms\"\n");
        assertEquals(Duration.ofMillis(500), c.metrics().interval());
        assertEquals(InetSocketAddress.createUnresolved("127.0.0.1", 9464), c.metrics().prometheusAddress(),
                "a port alone listens on loopback");
        assertEquals(500, c.heartbeatMillis(), "workers report at least as often as snapshots are taken");
        assertEquals(Map.of(WorkerEnv.OVERLOAD_MAX_INFLIGHT, "64", WorkerEnv.OVERLOAD_MAX_LAG_MILLIS, "100"),
                c.overload().workerEnv());
        assertEquals(InetSocketAddress.createUnresolved("0.0.0.0", 9100),
                load("[metrics]\nlisten = \"0.0.0.0:9100\"\n").metrics().prometheusAddress());
        assertEquals(InetSocketAddress.createUnresolved("::1", 9100),
                load("[metrics]\nlisten = \"[::1]:9100\"\n").metrics().prometheusAddress());
        assertEquals(c.metrics(), c.withInstances(3).metrics(), "kept across a change of worker count");
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertEquals(file + ":4: metrics.interval: 10ms is out of range: 250ms to 1m",
                error("[metrics]\ninterval = \"10ms\"\n"));
        assertEquals(file + ":5: metrics.listen: 'localhost' is not [host:]port (e.g. 9464 or 127.0.0.1:9464)",
                error("[metrics]\ninterval = \"1s\"\nlisten = \"localhost\"\n"));
        assertEquals(file + ":4: metrics.listen: 70000 is not a TCP port (1 to 65535)",
                error("[metrics]\nlisten = \"127.0.0.1:70000\"\n"));
        assertEquals(file + ":4: overload.max_inflight: 0 is not a bound: at least 1 (leave it out for none)",
                error("[overload]\nmax_inflight = 0\n"));
        assertEquals(file + ":4: overload.max_loop_lag: 0ms is not a bound: at least 1ms (leave it out for none)",
                error("[overload]\nmax_loop_lag = \"0ms\"\n"));
        assertEquals(file + ":4: overload.max_lag: unknown key; [overload] takes max_inflight, max_loop_lag",
                error("[overload]\nmax_lag = \"5ms\"\n"));
        assertEquals(file + ":4: metrics.interval: expected a duration like \"500ms\", \"5s\" or \"2m\", got 5",
                error("[metrics]\ninterval = 5\n"));
    }
}
