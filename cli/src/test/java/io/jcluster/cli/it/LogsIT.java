package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static io.jcluster.cli.it.Sandbox.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The primary captures every worker's stdout and stderr into rotating per-slot files: the last
 * line before a {@code kill -9} is kept, so are the lines a shutdown hook writes at a reload and a
 * stop (in the files and in {@code logs -f}), a worker flooding its log stays within the caps, and
 * {@code logs -f} follows a slot across a worker's replacement. One sandbox for the class.
 */
@Timeout(240)
class LogsIT {
    private static Sandbox sandbox;

    @BeforeAll
    static void setUp() throws IOException {
        sandbox = new Sandbox();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (sandbox != null) sandbox.close();
    }

    private static Path logs(String app) {
        return sandbox.home.resolve("logs").resolve(app);
    }

    @Test
    void theLastLineBeforeKill9IsKept() throws Exception {
        int port = Sandbox.freePort();
        Path config = sandbox.write("last-words.toml", """
                [app]
                name = "lastwords"
                jar = "%s"
                instances = 1
                port = %d
                listen = "self"
                args = ["last-words"]
                [restart]
                backoff_initial = "5s"
                """.formatted(Sandbox.FAKE_JAR.toAbsolutePath(), port));
        // start waits for a ready worker, which never comes: it runs in the background
        Process start = sandbox.background(sandbox.dir.resolve("lastwords-start.txt"), "start", config.toString());
        try {
            Path out = logs("lastwords").resolve("0.log");
            await("the first worker's exit in 0.log", Duration.ofSeconds(60), () -> read(out).contains("worker exited"));
            String text = read(out);
            long pid = Long.parseLong(text.lines().filter(l -> l.contains("worker started")).findFirst().orElseThrow()
                    .replaceAll(".*pid=(\\d+).*", "$1"));
            List<String> lines = text.lines().toList();
            int exitNote = indexOf(lines, "worker exited: slot=0 pid=" + pid);
            assertTrue(exitNote > 0, text);
            assertTrue(lines.get(exitNote - 1).endsWith("last words of " + pid), "the line before the exit note: " + lines.get(exitNote - 1));
            assertTrue(lines.get(exitNote).contains("signal KILL"), lines.get(exitNote));
            assertEquals(20_000, lines.stream().filter(l -> l.contains(" of " + pid + " x")).count(), "every line before it too");
            assertTrue(read(logs("lastwords").resolve("0.err.log")).contains("err before the end of " + pid), "stderr has its own file");
            assertTrue(lines.get(exitNote - 1).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z last words of \\d+"),
                    "lines carry a timestamp: " + lines.get(exitNote - 1));

            JsonNode w = sandbox.worker("lastwords", 0);
            JsonNode lastLines = w.get("lastExit").get("lastLines");
            assertTrue(lastLines.toString().contains("last words of "), "the exit record keeps the last output: " + w);

            Sandbox.Result err = sandbox.cli("logs", "lastwords", "--err", "-n", "1", "--raw");
            assertEquals(0, err.code(), err.all());
            assertTrue(err.out().contains("err before the end of"), err.out());
            assertEquals(1, err.out().lines().count(), err.out());
        } finally {
            start.destroyForcibly();
            start.waitFor(10, TimeUnit.SECONDS);
            sandbox.cli("stop", "lastwords");
        }
    }

    @Test
    void aFloodingWorkerStaysWithinTheCaps() throws Exception {
        int port = Sandbox.freePort();
        long maxSize = 64 * 1024;
        long maxTotal = 512 * 1024;
        Path config = sandbox.write("flood.toml", """
                [app]
                name = "flood"
                jar = "%s"
                instances = 2
                port = %d
                listen = "self"
                args = ["flood"]
                [logs]
                max_size = "64KB"
                max_files = 2
                max_total = "512KB"
                slot_tags = true
                """.formatted(Sandbox.FAKE_JAR.toAbsolutePath(), port));
        Sandbox.Result r = sandbox.cli("start", config.toString());
        assertEquals(0, r.code(), () -> r.all() + sandbox.explain("flood"));
        Path dir = logs("flood");
        // Wait until each worker has written far more than the cap (its lines are numbered).
        await("the workers to write 20x the cap", Duration.ofSeconds(120), () -> lastNumber(dir.resolve("0.log")) * 170 > 20 * maxTotal
                && lastNumber(dir.resolve("1.log")) * 170 > 20 * maxTotal);
        // Measure while they go on flooding: files come and go as they rotate and the cap prunes them.
        for (int sample = 0; sample < 10; sample++) {
            long total = 0;
            List<String> names = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    long size = sizeOrZero(p);
                    total += size;
                    names.add(p.getFileName().toString());
                    if (!p.getFileName().toString().startsWith("primary")) {
                        assertTrue(size <= maxSize, p + " is " + size + " bytes, over max_size");
                    }
                }
            }
            // the cap holds give or take the lines being written as it is measured
            assertTrue(total <= maxTotal + maxSize, "the app's logs take " + total + " bytes, over max_total: " + names);
            for (String n : names) assertTrue(!n.endsWith(".3"), "at most max_files rotated files per stream: " + names);
            Thread.sleep(100);
        }
        // a rotated file is complete (the live one may have just been rotated away and be empty); the
        // cap may prune a rotated file between listing and reading it while the workers flood: take one that reads
        String line = null;
        for (int attempt = 0; attempt < 100 && line == null; attempt++) {
            for (String rotated : List.of("1.log.1", "1.log.2")) {
                try {
                    List<String> lines = Files.readAllLines(dir.resolve(rotated));
                    if (lines.size() > 1) {
                        line = lines.get(1);
                        break;
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // pruned a moment ago: the next one, or the next look
                }
            }
            if (line == null) Thread.sleep(50);
        }
        assertTrue(line != null, "a rotated file of slot 1 reads");
        assertTrue(line.matches("\\S+Z flood/1 \\| .*"), "slot_tags = true tags the line: " + line);

        assertEquals(0, sandbox.cli("stop", "flood").code());
        Sandbox.Result flush = sandbox.cli("flush", "flood");
        assertEquals(0, flush.code(), flush.all());
        assertTrue(flush.out().contains("flushed flood"), flush.out());
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                assertEquals(0, Files.size(p), p + " is empty after flush");
                assertTrue(!p.getFileName().toString().matches(".*\\.\\d+"), "rotated files are gone: " + p);
            }
        }
    }

    @Test
    void followSeesTheReplacementWorker() throws Exception {
        int port = Sandbox.freePort();
        Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--name", "follow",
                "-i", "1", "-p", Integer.toString(port), "--listen", "self", "--", "self-http");
        assertEquals(0, r.code(), () -> r.all() + sandbox.explain("follow"));
        long victim = sandbox.worker("follow", 0).get("pid").asLong();
        Path followed = sandbox.dir.resolve("follow.txt");
        Process follow = sandbox.background(followed, "logs", "follow", "-f");
        try {
            await("logs -f to print the first worker's lines", Duration.ofSeconds(30),
                    () -> read(followed).contains("listening on " + port + " pid " + victim));
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            await("logs -f to print the replacement's lines", Duration.ofSeconds(60), () -> read(followed).lines()
                    .anyMatch(l -> l.contains("listening on " + port + " pid ") && !l.endsWith("pid " + victim)));
            String text = read(followed);
            assertTrue(text.contains("worker exited: slot=0 pid=" + victim), text);
            assertTrue(text.lines().allMatch(l -> l.startsWith("follow/0")), "every line is labelled: " + text);
        } finally {
            follow.destroyForcibly();
            follow.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(0, sandbox.cli("stop", "follow").code());
    }

    @Test
    void whatAWorkerWritesWhileItShutsDownIsKept() throws Exception {
        int port = Sandbox.freePort();
        Sandbox.Result r = sandbox.cli("start", Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--name", "hooks",
                "-i", "1", "-p", Integer.toString(port), "--", "shutdown-words");
        assertEquals(0, r.code(), r.all() + sandbox.primaryLog("hooks"));
        long first = sandbox.worker("hooks", 0).get("pid").asLong();
        Path followed = sandbox.dir.resolve("hooks-follow.txt");
        Process follow = sandbox.background(followed, "logs", "hooks", "-f");
        Path out = logs("hooks").resolve("0.log");
        Path err = logs("hooks").resolve("0.err.log");
        try {
            await("logs -f to print the first worker's lines", Duration.ofSeconds(30), () -> read(followed).contains("pid " + first));
            Sandbox.Result reload = sandbox.cli("reload", "hooks");
            assertEquals(0, reload.code(), reload.all() + sandbox.primaryLog("hooks"));
            long second = sandbox.worker("hooks", 0).get("pid").asLong();
            assertTrue(second != first, "reload replaced the worker");
            await("the replaced worker's exit in 0.log", Duration.ofSeconds(30), () -> read(out).contains("worker exited: slot=0 pid=" + first));
            assertTrue(read(out).contains("shutdown out " + first), "a reload keeps the hook's stdout line: " + read(out));
            assertTrue(read(err).contains("shutdown err " + first), "a reload keeps the hook's stderr line: " + read(err));
            List<String> lines = read(out).lines().toList();
            assertTrue(indexOf(lines, "shutdown out " + first) < indexOf(lines, "worker exited: slot=0 pid=" + first),
                    "the hook's line comes before the exit note: " + lines);

            Sandbox.Result stop = sandbox.cli("stop", "hooks");
            assertEquals(0, stop.code(), stop.all());
            assertTrue(read(out).contains("shutdown out " + second), "a stop keeps the hook's stdout line: " + read(out));
            assertTrue(read(err).contains("shutdown err " + second), "a stop keeps the hook's stderr line: " + read(err));
            await("logs -f to print every shutdown line", Duration.ofSeconds(30), () -> {
                String text = read(followed);
                return text.contains("shutdown out " + first) && text.contains("shutdown err " + first)
                        && text.contains("shutdown out " + second) && text.contains("shutdown err " + second);
            });
        } finally {
            follow.destroyForcibly();
            follow.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static long sizeOrZero(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0; // rotated away or pruned between the listing and now
        }
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(part)) return i;
        return -1;
    }

    private static long lastNumber(Path file) {
        String s = read(file);
        String[] lines = s.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("flood (\\d+) ").matcher(lines[i]);
            if (m.find()) return Long.parseLong(m.group(1));
        }
        return 0;
    }
}
