package io.jcluster.cli.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.ConfigTables;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.AppTotals;
import io.jcluster.cli.metrics.GcCollector;
import io.jcluster.cli.metrics.WorkerExit;
import io.jcluster.cli.metrics.WorkerSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both sides of the control protocol read and write with {@link RecordJson} (a primary of an earlier
 * jcluster wrote with jackson-databind): they must agree with databind on every record of the protocol,
 * the start spec and the config must read back equal, and a reply that is not one must be an
 * {@link IOException}, never anything else.
 */
class RecordJsonTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper NON_NULL = Json.MAPPER.copy()
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
    private static final AppStatus STATUS = new AppStatus("shop", "online", 8080, "handoff", 41, 90_000, null, List.of(
            new WorkerStatus(0, 42, "ready", 3, 1, 60_000,
                    new ExitRecord(0, 40, 2, 137, "KILL", 1_700_000_000_000L, "crashed", List.of("last words", "é ☃")),
                    Map.of("heapUsed", "1024", "threads", "31")),
            new WorkerStatus(1, 0, "backoff", 2, 4, 0, null, Map.of())));
    private static final WorkerSnapshot FULL = new WorkerSnapshot(0, 42, "ready", 3, 1, 60_000, 12.5, 90L << 20, 1L << 20,
            2L << 20, 4L << 20, 31, 950.25, 0.5, 4.75, 20.0, 1.5, 64L, 3L, 0.0, 5_000_000_000L, 0L, 12.5, 3.25, 0.5, 1.5, 7L,
            List.of(new GcCollector("G1 Young Generation", 12, 30, true), new GcCollector("G1 Concurrent GC", 2, 5, false)), null, null, null, null, null, null);
    private static final AppTotals TOTALS = new AppTotals(1_700_000_000_000L, 2, 1, 5, 950.25, 0.5, 4.75, 20.0, 1.5, null,
            64L, 12.5, 90L << 20, 1L << 20, null);
    private static final AppSnapshot SNAPSHOT = new AppSnapshot("shop", "online", 1_700_000_000_000L, 1000, TOTALS,
            List.of(FULL, WorkerSnapshot.bare(1, 0, "backoff", 2, 4, 0, null)));

    @Test
    void readsWhatThePrimaryWritesForEveryReply(@TempDir Path dir) throws IOException {
        Path toml = Files.writeString(dir.resolve("jcluster.toml"), "[app]\nname = \"shop\"\njar = \"shop.jar\"\nport = 8080\n"
                + "[health]\nmax_memory = \"512M\"\n[reload]\nready = \"http:/health\"\n");
        Files.writeString(dir.resolve("shop.jar"), "");
        Map<String, Map<String, Object>> config;
        try {
            config = ConfigTables.of(ConfigLoader.load(new StartSpec(toml.toString(), null, dir.toString())));
        } catch (io.jcluster.cli.config.ConfigException e) {
            throw new AssertionError(e);
        }
        List<ControlReply> replies = List.of(
                ControlReply.ok(STATUS),
                ControlReply.step("slot 0: generation 4 ready"),
                ControlReply.failed("reload failed: the new worker of slot 1 exited", List.of("Exception in thread"), 2),
                new ControlReply(true, null, null, STATUS, null, null, SNAPSHOT, null, null, null),
                new ControlReply(true, null, null, null, null, null, SNAPSHOT, List.of(TOTALS, TOTALS), null, null),
                new ControlReply(true, null, null, STATUS, null, null, SNAPSHOT, null, config,
                        List.of(new WorkerExit(0, 40, 2, 137, "KILL", 1_700_000_000_000L, "crashed"))));
        for (ControlReply reply : replies) {
            // what a primary writes now, and what one of an earlier jcluster wrote (the CLI may meet both)
            for (String line : List.of(RecordJson.write(reply), Json.MAPPER.writeValueAsString(reply))) {
                ControlReply read = RecordJson.read(line, ControlReply.class);
                assertEquals(Json.MAPPER.readValue(line, ControlReply.class), read, line);
                if (reply.config() == null) assertEquals(reply, read, line); // config holds values databind writes as strings
            }
            assertEquals(NON_NULL.readTree(NON_NULL.writeValueAsString(reply)), NON_NULL.readTree(RecordJson.write(reply)),
                    "the same JSON as databind's, null components left out");
        }
    }

    /** What start leaves for the primary (control.StartFiles): the spec and the config it resolved, read back equal. */
    @Test
    void theStartSpecAndTheResolvedConfigReadBackEqual(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("shop.jar"), "");
        Path toml = Files.writeString(dir.resolve("jcluster.toml"), String.join("\n",
                "[app]", "name = \"shop\"", "jar = \"shop.jar\"", "instances = 3", "ports = [8080, 8081]", "host = \"127.0.0.1\"",
                "jvm_args = [\"-Xmx256m\", \"-Dé=☃\"]", "args = [\"serve\"]", "spares = 1",
                "[app.env]", "SHOP_MODE = \"blue\"", "DB_PASSWORD = \"s3cret\"",
                "[restart]", "backoff_initial = \"250ms\"", "backoff_multiplier = 1.5", "max_failures = 7", "ok_exit_codes = [0, 3]",
                "[reload]", "ready = \"http:/health\"", "warmup = \"2s\"", "drain_timeout = \"45s\"",
                "[health]", "max_memory = \"512M\"",
                "[logs]", "to = \"stdout\"", "format = \"json\"", "timestamps = \"local\"", "max_size = \"5M\"",
                "[recycle]", "every = \"6h\"", "jitter = \"10m\"",
                "[watch]", "enabled = true", "paths = [\"shop.jar\", \"conf\"]", "interval = \"2s\"",
                "[metrics]", "interval = \"2s\"",
                "[overload]", "max_inflight = 100", "max_loop_lag = \"50ms\"", ""));
        Files.createDirectories(dir.resolve("conf"));
        StartSpec spec = new StartSpec(toml.toString(), new io.jcluster.cli.config.Overrides(null, null,
                io.jcluster.cli.config.Instances.AUTO, null, io.jcluster.cli.config.Listen.HANDOFF, List.of("-Dx=1"), null,
                io.jcluster.cli.config.LogTarget.FILES, true, null, 2), dir.toString(), null, null);
        AppConfig config = ConfigLoader.load(spec);
        assertEquals(config, RecordJson.read(RecordJson.write(config), AppConfig.class));
        assertEquals(spec, RecordJson.read(RecordJson.write(spec), StartSpec.class));
        // a start.json of an earlier jcluster (databind's @JsonValue forms: "auto", "handoff", "files"), as upgrade reads it
        assertEquals(spec, RecordJson.read(Json.MAPPER.writeValueAsString(spec), StartSpec.class));
    }

    @Test
    void writesRequestsThePrimaryParses() throws Exception {
        for (ControlRequest request : List.of(new ControlRequest(ControlRequest.LS), ControlRequest.restart(2),
                ControlRequest.scaleBy(-1), new ControlRequest(ControlRequest.SCALE, null, null, 4, null),
                ControlRequest.metricsStream())) {
            String line = RecordJson.write(request);
            assertEquals(request, ControlRequest.parse(line), line);
            assertEquals(Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(request)), Json.MAPPER.readTree(line));
            assertFalse(line.contains("null"), line);
        }
    }

    @Test
    void skipsUnknownKeysAndDefaultsMissingOnes() throws IOException {
        ControlReply r = RecordJson.read("{\"ok\":true,\"future\":{\"a\":[1,{\"b\":null}]},\"status\":{\"name\":\"x\","
                + "\"workers\":[{\"slot\":3,\"next\":[true]}]}}", ControlReply.class);
        assertTrue(r.ok());
        assertEquals("x", r.status().name());
        assertEquals(0, r.status().port());
        assertNull(r.status().state());
        assertEquals(3, r.status().workers().get(0).slot());
        assertNull(r.status().workers().get(0).heartbeat());
        assertNull(r.metrics());
        assertEquals(List.of(), RecordJson.read("{\"metrics\":{\"workers\":null}}", ControlReply.class).metrics().workers());
        assertFalse(RecordJson.read("{\"ok\":null}", ControlReply.class).ok());
    }

    @Test
    void whatIsNotAReplyIsAnIoExceptionThatSaysWhat() {
        for (String bad : List.of("", " ", "{", "[]", "null", "42", "{\"ok\":\"yes\"}", "{\"ok\":1}", "{\"status\":[]}",
                "{\"status\":{\"port\":\"80\"}}", "{\"status\":{\"port\":99999999999}}", "{\"lines\":{}}", "{\"lines\":[[1]]}",
                "{\"error\":{}}", "{} {}", "{\"ok\":true}x", "{\"metrics\":{\"workers\":[null]}}", "[".repeat(3000))) {
            IOException e = assertThrows(IOException.class, () -> RecordJson.read(bad, ControlReply.class), bad);
            assertNotNull(e.getMessage(), bad);
        }
    }

    @Test
    void randomAndMutatedRepliesReadOrAreIoExceptions() throws IOException {
        List<String> valid = List.of(Json.MAPPER.writeValueAsString(ControlReply.ok(STATUS)),
                Json.MAPPER.writeValueAsString(new ControlReply(true, null, null, null, null, null, SNAPSHOT, List.of(TOTALS),
                        null, null)), "{\"ok\":false,\"error\":\"no\",\"code\":2}");
        Random random = new Random(0x4ec0_4d);
        int read = 0;
        int refused = 0;
        for (int i = 0; i < 10_000; i++) {
            String line = i % 4 == 0 ? ControlRequestFuzzTest.randomText(random)
                    : ControlRequestFuzzTest.mutate(valid.get(random.nextInt(valid.size())), random);
            try {
                assertNotNull(RecordJson.read(line, ControlReply.class));
                read++;
            } catch (IOException e) {
                refused++;
            } catch (RuntimeException | StackOverflowError e) {
                fail("case " + i + " threw " + e + " for " + line, e);
            }
        }
        assertTrue(read > 300 && refused > 3_000, "read " + read + ", refused " + refused);
    }
}
