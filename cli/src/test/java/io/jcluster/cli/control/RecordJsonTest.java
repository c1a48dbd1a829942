package io.jcluster.cli.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * The CLI reads replies with {@link RecordJson}, the primary writes them with jackson-databind: the
 * two must agree on every record of the protocol, and a reply that is not one must be an
 * {@link IOException}, never anything else.
 */
class RecordJsonTest {
    private static final AppStatus STATUS = new AppStatus("shop", "online", 8080, "handoff", 41, 90_000, null, List.of(
            new WorkerStatus(0, 42, "ready", 3, 1, 60_000,
                    new ExitRecord(0, 40, 2, 137, "KILL", 1_700_000_000_000L, "crashed", List.of("last words", "é ☃")),
                    Map.of("heapUsed", "1024", "threads", "31")),
            new WorkerStatus(1, 0, "backoff", 2, 4, 0, null, Map.of())));
    private static final WorkerSnapshot FULL = new WorkerSnapshot(0, 42, "ready", 3, 1, 60_000, 12.5, 90L << 20, 1L << 20,
            2L << 20, 4L << 20, 31, 950.25, 0.5, 4.75, 20.0, 1.5, 64L, 3L, 0.0, 5_000_000_000L, 0L, 12.5, 3.25, 0.5, 1.5, 7L,
            List.of(new GcCollector("G1 Young Generation", 12, 30, true), new GcCollector("G1 Concurrent GC", 2, 5, false)));
    private static final AppTotals TOTALS = new AppTotals(1_700_000_000_000L, 2, 1, 5, 950.25, 0.5, 4.75, 20.0, 1.5, null,
            64L, 12.5, 90L << 20, 1L << 20);
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
            String line = Json.MAPPER.writeValueAsString(reply);
            ControlReply read = RecordJson.read(line, ControlReply.class);
            assertEquals(Json.MAPPER.readValue(line, ControlReply.class), read, line);
            if (reply.config() == null) assertEquals(reply, read, line); // config holds values databind writes as strings
        }
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
