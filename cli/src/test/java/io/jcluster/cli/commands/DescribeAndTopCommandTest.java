package io.jcluster.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.AppTotals;
import io.jcluster.cli.metrics.GcCollector;
import io.jcluster.cli.metrics.WorkerExit;
import io.jcluster.cli.metrics.WorkerSnapshot;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.ExitRecord;
import io.jcluster.cli.control.WorkerStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code describe}'s text, and which app {@code top} and {@code describe} pick. */
class DescribeAndTopCommandTest {
    @TempDir
    Path dir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void home() {
        System.setProperty("jcluster.home", dir.resolve("home").toString());
    }

    @AfterEach
    void tearDown() {
        System.clearProperty("jcluster.home");
    }

    private int run(String... args) {
        CommandLine cl = CommandLines.full();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void withoutANameTheOnlyAppRunningIsMeant() throws IOException {
        assertEquals(1, run("top", "--once"));
        assertEquals("jcluster: no apps running (start one with: jcluster start app.jar)\n", err.toString());
        Files.createDirectories(dir.resolve("home/run/a"));
        Files.createDirectories(dir.resolve("home/run/b"));
        err.getBuffer().setLength(0);
        assertEquals(2, run("describe"));
        assertEquals("jcluster: several apps are running (a, b): name one\n", err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, run("top", "--once", "zzz"));
        assertEquals("jcluster: app 'zzz' is not running\n", err.toString());
    }

    @Test
    void describeNamesTheEnvInForce() {
        AppStatus status = new AppStatus("api", "online", 8080, "handoff", 99, 1000, null, List.of());
        Map<String, Map<String, Object>> config = new LinkedHashMap<>();
        config.put("app", new LinkedHashMap<>(Map.of("name", "api")));
        config.get("app").put("env_name", "production");
        config.get("app").put("env", Map.of("DB_PASSWORD", io.jcluster.cli.config.ConfigTables.MASKED));
        StringWriter text = new StringWriter();
        Describe.print(new PrintWriter(text), new ControlReply(true, null, null, status, null, null, null, null, config, List.of()), ZoneOffset.UTC);
        assertTrue(text.toString().contains("""
                [app]
                name = "api"
                # env in force: production ([app.env_production] over [app.env], from --env)
                [app.env]
                DB_PASSWORD = "********"
                """), text.toString());
    }

    @Test
    void describeShowsConfigWorkersCollectorsAndExitsLatestFirst() {
        long mb = 1024 * 1024;
        WorkerStatus w0 = new WorkerStatus(0, 4200, "ready", 2, 1, 65_000, null, Map.of());
        WorkerStatus w1 = new WorkerStatus(1, 0, "backoff", 2, 3, 0,
                new ExitRecord(1, 4300, 2, 137, "KILL", 0, "crashed", List.of()), Map.of());
        AppStatus status = new AppStatus("hello", "degraded", 8080, "handoff", 99, 3_600_000, "slot 1 is backing off", List.of(w0, w1));
        WorkerSnapshot f0 = new WorkerSnapshot(0, 4200, "ready", 2, 1, 65_000, 12.5, 300 * mb, 100 * mb, 200 * mb, 256 * mb, 30,
                950.0, 1.2, 4.5, 20.0, 0.3, 12L, 1L, 0.0, 5000L, 0L, 1.0, 9.0, 1.0, 3.0, 2L,
                List.of(new GcCollector("G1 Young Generation", 14, 120, true), new GcCollector("ZGC Cycles", 1, 5, false)), 2.0, Map.of("2xx", 4990L, "5xx", 10L), 3L, 40L,
                "tomcat+socket", null);
        AppSnapshot snapshot = new AppSnapshot("hello", "degraded", 0, 1000,
                new AppTotals(0, 2, 1, 4, 950.0, null, null, null, null, null, null, null, null, null, null), List.of(f0));
        Map<String, Map<String, Object>> config = new LinkedHashMap<>();
        config.put("app", new LinkedHashMap<>(Map.of("name", "hello")));
        config.get("app").put("jvm_args", List.of("-Xmx64m", "-Dx=\"y\""));
        config.get("app").put("env", Map.of("GREETING", "hi"));
        config.put("overload", new LinkedHashMap<>());
        List<WorkerExit> exits = List.of(new WorkerExit(1, 4100, 1, 1, null, 1_000, "exited before it was ready"),
                new WorkerExit(1, 4300, 2, 137, "KILL", 61_000, "crashed"));
        StringWriter text = new StringWriter();
        Describe.print(new PrintWriter(text), new ControlReply(true, null, null, status, null, null, snapshot, null, config, exits), ZoneOffset.UTC);
        assertEquals("""
                hello: degraded, 2 workers on port 8080 (listen handoff), primary pid 99, up 1h
                  slot 1 is backing off

                config in force
                [app]
                name = "hello"
                jvm_args = ["-Xmx64m", "-Dx=\\"y\\""]
                [app.env]
                GREETING = "hi"

                [overload]
                # nothing set: no load shedding

                workers
                  SLOT  PID   STATE    GEN  RESTARTS  UPTIME  CPU%  RSS   HEAP       THREADS  RPS  P50    P99    MAX   5XX/S  LAG    CONN  INFLIGHT  SHED/S  GC/S  GCMS/S  PAUSE  LAST EXIT
                  0     4200  ready    2    1         1m5s    12.5  300M  100M/256M  30       950  1.2ms  4.5ms  20ms  2.0    300us  12    1         0       1.0   3.0     2ms    -
                  1     -     backoff  2    3         -       -     -     -          -        -    -      -      -     -      -      -     -         -       -     -       -      signal KILL
                request figures: Tomcat's MBeans; latency distribution and status classes measured at the socket by the preload library

                garbage collectors, since each worker started
                  SLOT  COLLECTOR            COLLECTIONS  TIME   PAUSES
                  0     G1 Young Generation  14           120ms  yes
                  0     ZGC Cycles           1            5ms    no (concurrent)

                recent exits
                  WHEN                 SLOT  PID   GEN  EXIT         REASON
                  1970-01-01 00:01:01  1     4300  2    signal KILL  crashed
                  1970-01-01 00:00:01  1     4100  1    exit code 1  exited before it was ready
                """, text.toString());
        assertTrue(text.toString().indexOf("00:01:01") < text.toString().indexOf("00:00:01"), "the latest exit first");
    }
}
