package io.jcluster.cli.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcluster.cli.config.Timestamps;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code [logs] format = "json"} and {@code timestamps = "local"}: what the files hold, and how {@code logs} reads them back. */
class JsonLogsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> capture(WorkerOutput out, String text, boolean stderr) throws IOException {
        List<String> written = new ArrayList<>();
        LineSink sink = new LineSink() {
            @Override
            public void write(byte[] lines, int len) {
                String t = new String(lines, 0, len, StandardCharsets.UTF_8);
                written.addAll(List.of(t.substring(0, t.length() - 1).split("\n", -1)));
            }

            @Override
            public void close() {}
        };
        out.copy(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), sink, stderr);
        return written;
    }

    @Test
    void everyLineIsOneObjectWithTheDocumentedFields() throws IOException {
        WorkerOutput out = new WorkerOutput(new LinePrefix(Timestamps.UTC, null),
                new JsonLines("hello", 2, 4242, 7, Timestamps.UTC), null, null);
        List<String> lines = capture(out, "plain\nquote \" and \\ tab\t ctl\u0001 é\r\n", true);
        assertEquals(2, lines.size());
        JsonNode first = JSON.readTree(lines.get(0));
        assertEquals(List.of("time", "app", "slot", "pid", "generation", "stream", "message"), names(first));
        assertEquals("hello", first.get("app").asText());
        assertEquals(2, first.get("slot").asInt());
        assertEquals(4242, first.get("pid").asLong());
        assertEquals(7, first.get("generation").asLong());
        assertEquals("err", first.get("stream").asText());
        assertEquals("plain", first.get("message").asText());
        assertTrue(first.get("time").asText().endsWith("Z"));
        assertEquals("quote \" and \\ tab\t ctl\u0001 é", JSON.readTree(lines.get(1)).get("message").asText());
        assertEquals("quote \" and \\ tab\t ctl\u0001 é", out.lastLines(1).get(0), "the last lines are kept as written");
    }

    @Test
    void anUnknownGenerationIsNull() throws IOException {
        WorkerOutput out = new WorkerOutput(new LinePrefix(Timestamps.NONE, null),
                new JsonLines("a", 0, 1, 0, Timestamps.LOCAL), null, null);
        JsonNode n = JSON.readTree(capture(out, "x\n", false).get(0));
        assertTrue(n.get("generation").isNull());
        assertEquals("out", n.get("stream").asText());
        assertEquals(29, n.get("time").asText().length(), "local time with its offset: " + n.get("time"));
    }

    @Test
    void localTimestampsHaveTheirOffsetAndSortAsUtc() {
        String p = new String(new LinePrefix(Timestamps.LOCAL, null).at(0), StandardCharsets.US_ASCII);
        assertEquals(LinePrefix.LOCAL_TIME_LENGTH + 1, p.length(), p);
        LogSource src = new LogSource("a", 0, LogFiles.Stream.OUT, Path.of("0.log"));
        assertEquals("2025-06-01T10:00:00.123Z", new LogLine(src, "2025-06-01T12:00:00.123+02:00 hi").timestamp());
        assertEquals("2025-06-01T10:00:00.123Z", new LogLine(src, "{\"time\":\"2025-06-01T10:00:00.123Z\",\"message\":\"x\"}").timestamp());
        assertNull(new LogLine(src, "  at frame").timestamp());
    }

    @Test
    void logsJsonTurnsTextLinesIntoObjects() throws IOException {
        LogSource src = new LogSource("hello", 1, LogFiles.Stream.ERR, Path.of("1.err.log"));
        JsonNode n = JSON.readTree(new LogLine(src, "2025-06-01T10:00:00.123Z hello/1 | boom").toJson());
        assertEquals("2025-06-01T10:00:00.123Z", n.get("time").asText());
        assertEquals("boom", n.get("message").asText());
        assertEquals("err", n.get("stream").asText());
        assertTrue(n.get("pid").isNull());
        String line = "{\"time\":\"2025-06-01T10:00:00.123Z\",\"app\":\"hello\",\"slot\":1,\"pid\":9,\"generation\":2,\"stream\":\"out\",\"message\":\"hi\"}";
        assertEquals(line, new LogLine(src, line).toJson(), "a JSON line as it is");
        assertEquals("2025-06-01T10:00:00.123Z hi", new LogLine(src, line).display());
    }

    private static List<String> names(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
