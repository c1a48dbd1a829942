package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcluster.cli.Needs;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code [app] aot_cache = "auto"} (the default): once the app has settled, a training run makes the
 * cache at idle priority, and workers started after that map it; nothing waits for it; a changed jar
 * never runs against an old cache; a damaged cache, or one another JDK made, is not used, is said
 * once in primary.log, and is made again.
 */
@Timeout(600)
class WarmCacheIT {
    private static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));
    private static final Pattern TRAINER = Pattern.compile("training \\(pid (\\d+)");

    @Test
    void theTrainingRunWaitsForNoOneAndLaterWorkersMapTheCacheButNeverWithAChangedJar() throws Exception {
        Path java25 = Needs.jdk25();
        Needs.built(Sandbox.HELLO_JAR, "hello-netty.jar");
        try (Sandbox sandbox = new Sandbox()) {
            Path jar = Files.copy(Sandbox.HELLO_JAR, sandbox.dir.resolve("hello.jar"));
            int port = Sandbox.freePort();
            config(sandbox, "warm", jar, port, java25, 2);
            Sandbox.Result start = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, start.code(), () -> start.all() + sandbox.primaryLog("warm"));

            // the training run begins after every worker of the start is ready, never before
            long trainer = awaitTrainer(sandbox, "warm");
            String log = sandbox.primaryLog("warm");
            int training = log.indexOf("cache: training run of hello.jar");
            assertTrue(training > readyAt(log, 0) && training > readyAt(log, 1) && readyAt(log, 0) > 0 && readyAt(log, 1) > 0, log);
            signal("STOP", trainer); // held: a training run that never ends

            // a crash's replacement is ready while the training run is still pending
            long first = sandbox.worker("warm", 0).get("pid").asLong();
            ProcessHandle.of(first).orElseThrow().destroyForcibly();
            long replacement = awaitReplaced(sandbox, "warm", 0, first);
            assertTrue(Sandbox.alive(trainer) && state(trainer) == 'T', "the training run is still held while slot 0 is served again");
            assertFalse(String.join(" ", cmdline(replacement)).contains("-XX:AOTCache"), "no cache yet: " + cmdline(replacement));
            assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("pid="));

            signal("CONT", trainer);
            Path cache = awaitCache(sandbox, "warm");
            long second = sandbox.worker("warm", 1).get("pid").asLong();
            ProcessHandle.of(second).orElseThrow().destroyForcibly();
            long warm = awaitReplaced(sandbox, "warm", 1, second);
            assertTrue(cmdline(warm).contains("-XX:AOTCache=" + cache), cmdline(warm)::toString);
            assertMapped(warm, cache); // taken by the JVM, not just passed to it
            JsonNode described = describe(sandbox, "warm").get("cache");
            assertEquals("AOT cache", described.get("kind").asText(), described::toString);
            boolean listed = false;
            for (JsonNode w : described.get("workers")) {
                if (w.get("pid").asLong() == warm) {
                    listed = true;
                    assertTrue(w.get("mapped").asBoolean() && w.get("pssBytes").asLong() > 0, described::toString);
                }
            }
            assertTrue(listed, described::toString);

            // the jar changes in place (same name, same modification time): no worker runs it with the old cache
            FileTime mtime = Files.getLastModifiedTime(jar);
            rewriteWithComment(jar, "another build");
            Files.setLastModifiedTime(jar, mtime);
            ProcessHandle.of(warm).orElseThrow().destroyForcibly();
            long changed = awaitReplaced(sandbox, "warm", 1, warm);
            assertFalse(String.join(" ", cmdline(changed)).contains(cache.toString()), "a changed jar ran with its old cache: " + cmdline(changed));
            Sandbox.Result reload = sandbox.cli("reload", "warm");
            assertEquals(0, reload.code(), () -> reload.all() + sandbox.primaryLog("warm"));
            for (int slot = 0; slot < 2; slot++) {
                List<String> line = cmdline(sandbox.worker("warm", slot).get("pid").asLong());
                assertFalse(String.join(" ", line).contains(cache.toString()), "a reloaded worker of a changed jar ran with its old cache: " + line);
            }
            Path next = awaitCache(sandbox, "warm");
            assertNotEquals(cache, next, "a changed jar gets a cache of its own");
            assertFalse(sandbox.primaryLog("warm").contains("did not map"), sandbox.primaryLog("warm"));
        }
    }

    @Test
    void aDamagedCacheOrOneOfAnotherJdkIsNotUsedIsSaidOnceAndIsMadeAgain() throws Exception {
        Path java25 = Needs.jdk25();
        Needs.built(Sandbox.HELLO_JAR, "hello-netty.jar");
        Path jdk17Archive = Path.of(System.getProperty("java.home"), "lib/server/classes.jsa");
        Needs.that(Files.isRegularFile(jdk17Archive), "the JDK running the tests has its CDS archive " + jdk17Archive);
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            config(sandbox, "bad", Sandbox.HELLO_JAR.toAbsolutePath(), port, java25, 1);
            assertEquals(0, sandbox.cli("start", "jcluster.toml").code(), () -> sandbox.primaryLog("bad"));
            Path cache = awaitCache(sandbox, "bad");
            assertEquals(0, sandbox.cli("stop", "bad").code());

            // truncated: the worker starts without it, one line names the file, and it is made again
            byte[] whole = Files.readAllBytes(cache);
            Files.write(cache, java.util.Arrays.copyOf(whole, whole.length / 2));
            Sandbox.Result again = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, again.code(), () -> again.all() + sandbox.primaryLog("bad"));
            long worker = sandbox.worker("bad", 0).get("pid").asLong();
            assertFalse(String.join(" ", cmdline(worker)).contains("-XX:AOTCache"), cmdline(worker)::toString);
            assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("pid=" + worker));
            assertEquals(1, count(sandbox.primaryLog("bad"), "cache: " + cache + " is damaged"), sandbox.primaryLog("bad"));
            assertEquals(cache, awaitCache(sandbox, "bad"), "made again under the same key");
            assertEquals(0, sandbox.cli("stop", "bad").code());

            // another JDK's archive, with a digest that matches it: the JVM refuses it; said once, made again
            Files.copy(jdk17Archive, cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(cache.resolveSibling(cache.getFileName() + ".sha256"), sha256(cache) + "\n");
            Sandbox.Result third = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, third.code(), () -> third.all() + sandbox.primaryLog("bad"));
            long refused = sandbox.worker("bad", 0).get("pid").asLong();
            assertTrue(cmdline(refused).contains("-XX:AOTCache=" + cache), cmdline(refused)::toString);
            assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("pid=" + refused), "it serves without the cache");
            Sandbox.await("the refusal in primary.log", Duration.ofSeconds(30),
                    () -> sandbox.primaryLog("bad").contains("did not map " + cache));
            String log = sandbox.primaryLog("bad");
            assertEquals(1, count(log, "did not map " + cache), log);
            assertTrue(log.contains("its JVM refused it"), log);
            Path remade = awaitCache(sandbox, "bad");
            ProcessHandle.of(refused).orElseThrow().destroyForcibly();
            long fresh = awaitReplaced(sandbox, "bad", 0, refused);
            assertTrue(cmdline(fresh).contains("-XX:AOTCache=" + remade), cmdline(fresh)::toString);
            assertMapped(fresh, remade);
        }
    }

    /** The cache's file system fills while the training run writes: nothing but the cache is affected. */
    @Test
    void aFullDiskAffectsNothingButTheCache() throws Exception {
        Path java25 = Needs.jdk25();
        Needs.built(Sandbox.HELLO_JAR, "hello-netty.jar");
        Needs.executable("/usr/bin/mount", "mount");
        try (Sandbox sandbox = new Sandbox()) {
            Path cacheDir = Files.createDirectories(sandbox.home.resolve("cache"));
            Process mount = new ProcessBuilder("/usr/bin/mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", cacheDir.toString())
                    .redirectErrorStream(true).start();
            String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Needs.that(mount.waitFor() == 0, "a 4 MB tmpfs mounted for the cache (mount -t tmpfs, as root): " + said);
            try {
                int port = Sandbox.freePort();
                config(sandbox, "full", Sandbox.HELLO_JAR.toAbsolutePath(), port, java25, 1);
                assertEquals(0, sandbox.cli("start", "jcluster.toml").code(), () -> sandbox.primaryLog("full"));
                Sandbox.await("the training run to fail", Duration.ofSeconds(300),
                        () -> sandbox.primaryLog("full").contains("made no cache"));
                long worker = sandbox.worker("full", 0).get("pid").asLong();
                assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("pid=" + worker), "the worker serves on");
                ProcessHandle.of(worker).orElseThrow().destroyForcibly();
                long replacement = awaitReplaced(sandbox, "full", 0, worker);
                assertFalse(String.join(" ", cmdline(replacement)).contains("-XX:AOTCache"), cmdline(replacement)::toString);
                assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("pid=" + replacement));
                try (Stream<Path> left = Files.walk(cacheDir)) {
                    assertTrue(left.noneMatch(p -> p.toString().endsWith(".aot")), "no partial cache is left behind");
                }
                assertEquals(0, sandbox.cli("stop", "full").code());
            } finally {
                sandbox.cli("stop", "all");
                new ProcessBuilder("/usr/bin/umount", cacheDir.toString()).inheritIO().start().waitFor();
            }
        }
    }

    /** A Spring Boot jar: its training run is Spring's own (onRefresh) on the extracted jar, which later workers run from the cache. */
    @Test
    void aSpringBootJarIsTrainedExtractedAndItsReplacementRunsFromTheCache() throws Exception {
        Path java25 = Needs.jdk25();
        Path spring = Needs.built(EXAMPLES.resolve("hello-spring/target/hello-spring.jar"), "hello-spring.jar");
        assertSpringOrNetty(sandbox -> config(sandbox, "spring", spring.toAbsolutePath(), Sandbox.freePort(), java25, 1), "spring",
                "/cache/spring/boot/");
    }

    /** JDK 17: the same path with a dynamic CDS archive. */
    @Test
    void onJdk17TheCacheIsADynamicCdsArchive() throws Exception {
        Needs.built(Sandbox.HELLO_JAR, "hello-netty.jar");
        Path java17 = Path.of(System.getProperty("java.home"), "bin/java");
        Needs.that(Runtime.version().feature() < 25, "the tests run on a JDK below 25 (" + Runtime.version() + ")");
        assertSpringOrNetty(sandbox -> config(sandbox, "cds", Sandbox.HELLO_JAR.toAbsolutePath(), Sandbox.freePort(), java17, 1), "cds",
                "hello-netty/target/hello-netty.jar");
    }

    private interface Setup {
        void apply(Sandbox sandbox) throws Exception;
    }

    /** Starts the app, awaits its cache, kills slot 0: the replacement runs {@code jarPart} from the cache, mapped. */
    private static void assertSpringOrNetty(Setup setup, String app, String jarPart) throws Exception {
        try (Sandbox sandbox = new Sandbox()) {
            setup.apply(sandbox);
            Sandbox.Result start = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, start.code(), () -> start.all() + sandbox.primaryLog(app));
            Path cache = awaitCache(sandbox, app);
            long first = sandbox.worker(app, 0).get("pid").asLong();
            ProcessHandle.of(first).orElseThrow().destroyForcibly();
            long replacement = awaitReplaced(sandbox, app, 0, first);
            List<String> line = cmdline(replacement);
            assertTrue(line.get(line.indexOf("-jar") + 1).contains(jarPart), line::toString);
            assertTrue(line.stream().anyMatch(a -> a.endsWith("=" + cache)), line::toString);
            assertMapped(replacement, cache);
            assertFalse(sandbox.primaryLog(app).contains("did not map"), sandbox.primaryLog(app));
        }
    }

    private static void config(Sandbox sandbox, String app, Path jar, int port, Path java, int instances) throws Exception {
        sandbox.write("jcluster.toml", """
                [app]
                name = "%s"
                jar = "%s"
                instances = %d
                port = %d
                java = "%s"
                """.formatted(app, jar, instances, port, java));
    }

    /** Where primary.log first says that slot's worker is ready, or -1. */
    private static int readyAt(String log, int slot) {
        Matcher m = Pattern.compile("slot " + slot + ": worker pid \\d+ ready").matcher(log);
        return m.find() ? m.start() : -1;
    }

    private static long awaitTrainer(Sandbox sandbox, String app) throws Exception {
        long[] pid = {0};
        Sandbox.await("the training run", Duration.ofSeconds(120), () -> {
            try {
                Matcher m = TRAINER.matcher(describe(sandbox, app).get("cache").get("state").asText());
                if (m.find()) pid[0] = Long.parseLong(m.group(1));
                return pid[0] != 0;
            } catch (Exception e) {
                return false;
            }
        });
        return pid[0];
    }

    /** Waits until the cache is ready and returns its file. */
    private static Path awaitCache(Sandbox sandbox, String app) throws Exception {
        String[] file = {null};
        Sandbox.await("the cache of " + app + " (" + sandbox.primaryLog(app) + ")", Duration.ofSeconds(400), () -> {
            try {
                JsonNode c = describe(sandbox, app).get("cache");
                if (c.get("state").asText().equals("ready")) file[0] = c.get("file").asText();
                return file[0] != null;
            } catch (Exception e) {
                return false;
            }
        });
        return Path.of(file[0]);
    }

    private static long awaitReplaced(Sandbox sandbox, String app, int slot, long old) throws Exception {
        long[] pid = {0};
        Sandbox.await("slot " + slot + " to be replaced", Duration.ofSeconds(120), () -> {
            try {
                JsonNode w = sandbox.worker(app, slot);
                if ("ready".equals(w.get("state").asText()) && w.get("pid").asLong() != old) pid[0] = w.get("pid").asLong();
                return pid[0] != 0;
            } catch (Exception e) {
                return false;
            }
        });
        return pid[0];
    }

    private static JsonNode describe(Sandbox sandbox, String app) throws Exception {
        Sandbox.Result r = sandbox.cli("describe", "--json", app);
        assertEquals(0, r.code(), r::all);
        return Sandbox.JSON.readTree(r.out());
    }

    static void assertMapped(long pid, Path file) throws Exception {
        String maps = Files.readString(Path.of("/proc", Long.toString(pid), "maps"));
        assertTrue(maps.contains(file.toString()), () -> "worker pid " + pid + " did not map " + file);
    }

    static List<String> cmdline(long pid) throws Exception {
        String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
        return List.of(raw.split("\0"));
    }

    private static char state(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
    }

    private static void signal(String name, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor());
    }

    private static int count(String text, String what) {
        return text.split(Pattern.quote(what), -1).length - 1;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** The same entries, another zip comment: another content, still a jar. */
    private static void rewriteWithComment(Path jar, String comment) throws Exception {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (InputStream in = Files.newInputStream(jar); ZipInputStream zin = new ZipInputStream(in);
             OutputStream out = Files.newOutputStream(tmp); ZipOutputStream zout = new ZipOutputStream(out)) {
            for (ZipEntry e = zin.getNextEntry(); e != null; e = zin.getNextEntry()) {
                zout.putNextEntry(new ZipEntry(e.getName()));
                zin.transferTo(zout);
                zout.closeEntry();
            }
            zout.setComment(comment);
        }
        // over the old one, as a build or a copy puts it: running workers keep the file they opened
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static List<Path> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
