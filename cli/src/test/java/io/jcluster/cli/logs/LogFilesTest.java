package io.jcluster.cli.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.ByteSize;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation, the caps, line splitting, reading back and following, on real files. */
class LogFilesTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void line(RotatingFile f, String text) {
        byte[] b = bytes(text + "\n");
        f.write(b, b.length);
    }

    private long total() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Test
    void rotatesBySizeAndKeepsMaxFiles() throws IOException {
        LogBudget budget = new LogBudget(dir, 1 << 20);
        RotatingFile f = new RotatingFile(dir.resolve("0.log"), 100, 2, budget);
        for (int i = 0; i < 40; i++) line(f, "line " + i + " " + "z".repeat(13)); // 21-22 bytes each
        f.close();
        assertTrue(Files.size(dir.resolve("0.log")) <= 100);
        assertTrue(Files.exists(dir.resolve("0.log.1")) && Files.exists(dir.resolve("0.log.2")));
        assertTrue(!Files.exists(dir.resolve("0.log.3")), "max_files = 2");
        assertTrue(Files.readString(dir.resolve("0.log")).endsWith("line 39 zzzzzzzzzzzzz\n"));
        List<String> last = RecentLines.last(dir.resolve("0.log"), Long.MAX_VALUE, 8);
        assertEquals(8, last.size(), "reads back into the rotated file");
        assertEquals("line 39 zzzzzzzzzzzzz", last.get(7));
        assertEquals("line 32 zzzzzzzzzzzzz", last.get(0));
    }

    @Test
    void theTotalCapHoldsAcrossFiles() throws IOException {
        LogBudget budget = new LogBudget(dir, 1000);
        List<RotatingFile> files = new ArrayList<>();
        for (int s = 0; s < 4; s++) files.add(new RotatingFile(dir.resolve(s + ".log"), 300, 5, budget));
        for (int i = 0; i < 500; i++) {
            line(files.get(i % 4), "line " + i + " " + "q".repeat(40));
            assertTrue(total() <= 1000, "total " + total() + " after line " + i);
        }
        assertTrue(Files.readString(dir.resolve("3.log")).contains("line 499 "), "the newest line is always kept");
    }

    @Test
    void workerOutputWritesWholeLinesAndKeepsTheLastOnes() throws IOException {
        List<String> written = new ArrayList<>();
        LineSink sink = new LineSink() {
            @Override
            public void write(byte[] lines, int len) {
                String text = new String(lines, 0, len, StandardCharsets.UTF_8);
                assertTrue(text.endsWith("\n"), "whole lines only");
                written.addAll(List.of(text.substring(0, text.length() - 1).split("\n", -1)));
            }

            @Override
            public void close() {}
        };
        WorkerOutput out = new WorkerOutput(new LinePrefix(false, "app/3"), sink, sink);
        String longLine = "L".repeat(WorkerOutput.MAX_LINE + 10);
        out.copy(new ByteArrayInputStream(bytes("one\r\ntwo\n\n" + longLine + "\nno line end")), sink);
        assertEquals(List.of("app/3 | one", "app/3 | two", "app/3 | ", "app/3 | " + "L".repeat(WorkerOutput.MAX_LINE),
                "app/3 | " + "L".repeat(10), "app/3 | no line end"), written);
        assertEquals("no line end", out.lastLines(1).get(0));
    }

    @Test
    void aBatchIsSplitAtLineBoundariesWhenItWouldPassMaxSize() throws IOException {
        RotatingFile f = new RotatingFile(dir.resolve("0.log"), 50, 5, new LogBudget(dir, 1 << 20));
        byte[] batch = bytes("aaaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbb\nccccccccccccccccccc\nddddddddddddddddddd\n"); // 4 x 20 bytes
        f.write(batch, batch.length);
        f.close();
        assertEquals("ccccccccccccccccccc\nddddddddddddddddddd\n", Files.readString(dir.resolve("0.log")));
        assertEquals("aaaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbb\n", Files.readString(dir.resolve("0.log.1")));
    }

    @Test
    void timestampsAreFixedWidthUtc() {
        String p = new String(new LinePrefix(true, null).at(0), StandardCharsets.US_ASCII);
        assertEquals("1970-01-01T00:00:00.000Z ", p);
        assertEquals(LinePrefix.TIME_LENGTH + 1, p.length());
    }

    @Test
    void mergesStreamsByTime() throws IOException {
        Path out = Files.writeString(dir.resolve("0.log"), "2025-01-01T00:00:01.000Z a\n2025-01-01T00:00:03.000Z c\n");
        Path err = Files.writeString(dir.resolve("0.err.log"), "2025-01-01T00:00:02.000Z b\n  at frame\n");
        List<LogSource> sources = LogSource.of("app", dir, null, null);
        List<LogLine> lines = RecentLines.merged(sources, new long[] {Files.size(out), Files.size(err)}, 10);
        assertEquals(List.of("2025-01-01T00:00:01.000Z a", "2025-01-01T00:00:02.000Z b", "  at frame", "2025-01-01T00:00:03.000Z c"),
                lines.stream().map(LogLine::text).toList());
        assertEquals("app/0 err", lines.get(1).source().label());
    }

    @Test
    void followsAcrossRotationAndTruncation() throws IOException {
        Path file = dir.resolve("0.log");
        RotatingFile f = new RotatingFile(file, 60, 3, new LogBudget(dir, 1 << 20));
        line(f, "before");
        Map<Path, Long> start = new HashMap<>();
        start.put(file, Files.size(file));
        LogFollower follower = new LogFollower(() -> LogSource.of("app", dir, null, LogFiles.Stream.OUT), start);
        List<String> seen = new ArrayList<>();
        follower.poll(l -> seen.add(l.text()));
        assertEquals(List.of(), seen, "starts at the end");
        for (int i = 0; i < 10; i++) {
            line(f, "line " + i + " " + "r".repeat(20)); // three lines fill a file
            if (i % 4 == 3) follower.poll(l -> seen.add(l.text()));
        }
        follower.poll(l -> seen.add(l.text()));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) expected.add("line " + i + " " + "r".repeat(20));
        assertEquals(expected, seen, "every line once, in order, across rotations");

        seen.clear();
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0); // what flush does
        }
        line(f, "after flush");
        follower.poll(l -> seen.add(l.text()));
        assertEquals(List.of("after flush"), seen);

        line(f, "new slot");
        RotatingFile slot1 = new RotatingFile(dir.resolve("1.log"), 1000, 1, new LogBudget(dir, 1 << 20));
        line(slot1, "from slot 1");
        seen.clear();
        follower.poll(l -> seen.add(l.source().label() + ":" + l.text()));
        assertEquals(List.of("app/0:new slot", "app/1:from slot 1"), seen, "a file that appears later is read from its start");
        f.close();
        slot1.close();
    }

    @Test
    void sizesParseAndPrint() {
        assertEquals(10L << 20, ByteSize.parse("10MB").bytes());
        assertEquals(512L << 10, ByteSize.parse("512 kb").bytes());
        assertEquals(1L << 30, ByteSize.parse("1GiB").bytes());
        assertEquals(100, ByteSize.parse("100").bytes());
        assertEquals("10MB", ByteSize.parse("10240KB").toString());
        assertEquals("1000B", new ByteSize(1000).toString());
    }
}
