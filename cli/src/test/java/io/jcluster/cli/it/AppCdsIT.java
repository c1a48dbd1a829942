package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code [app] cds = true}: the first worker writes a class-data archive of the app when it exits
 * gracefully; the next start's workers, and their replacements after a crash, run from it.
 */
@Timeout(240)
class AppCdsIT {
    private static final String APP = "shared";
    private static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));

    @Test
    void theFirstRunMakesTheArchiveAndLaterWorkersUseIt() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "%s"
                    jar = "%s"
                    instances = 1
                    port = %d
                    cds = true
                    """.formatted(APP, Sandbox.HELLO_JAR.toAbsolutePath(), port));
            Path cache = sandbox.home.resolve("cache").resolve(APP).resolve("cds");

            Sandbox.Result first = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, first.code(), () -> first.all() + sandbox.explain(APP));
            long dumper = sandbox.worker(APP, 0).get("pid").asLong();
            assertTrue(cmdline(dumper).stream().anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit=" + cache)), cmdline(dumper)::toString);
            assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("slot=0"));
            assertEquals(0, sandbox.cli("stop", APP).code());
            assertTrue(sandbox.primaryLog(APP).contains("cds: class-data archive ready"), sandbox.explain(APP));
            List<Path> archives = archives(cache);
            assertEquals(1, archives.size(), archives::toString);

            Sandbox.Result second = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, second.code(), () -> second.all() + sandbox.explain(APP));
            long worker = sandbox.worker(APP, 0).get("pid").asLong();
            assertTrue(cmdline(worker).contains("-XX:SharedArchiveFile=" + archives.get(0)), cmdline(worker)::toString);
            assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("slot=0"));
            assertMapped(worker, archives.get(0)); // the JVM took it: a refused archive is silently not mapped

            // a crashed worker's replacement starts from the archive too
            ProcessHandle.of(worker).orElseThrow().destroyForcibly();
            Sandbox.await("slot 0 to be replaced", Duration.ofSeconds(60), () -> {
                try {
                    JsonNode w = sandbox.worker(APP, 0);
                    return "ready".equals(w.get("state").asText()) && w.get("pid").asLong() != worker;
                } catch (Exception e) {
                    return false;
                }
            });
            long replacement = sandbox.worker(APP, 0).get("pid").asLong();
            assertTrue(cmdline(replacement).contains("-XX:SharedArchiveFile=" + archives.get(0)), cmdline(replacement)::toString);
            assertTrue(Sandbox.get(port, Duration.ofSeconds(20)).contains("pid=" + replacement));
            assertMapped(replacement, archives.get(0));
            String workerLog = Files.readString(sandbox.home.resolve("logs").resolve(APP).resolve("0.log"));
            assertFalse(workerLog.contains("[warning][cds]"), workerLog);
            assertEquals(0, sandbox.cli("stop", APP).code());
            assertFalse(sandbox.primaryLog(APP).contains("did not map"), sandbox.explain(APP));
            assertEquals(archives, archives(cache), "the archive stays for the next start");
        }
    }

    /**
     * A Spring Boot fat jar: its nested jars cannot be archived, so the primary extracts it
     * ({@code jarmode=tools extract}) under the cache, archives the extracted jar in a training run
     * ({@code spring.context.exit=onRefresh}, no agent) before the first worker, and runs that jar from
     * the archive. One worker with {@code listen = "self"} (Tomcat binds its own port; SERVER_PORT comes
     * from jcluster). The second start reuses the extraction and the archive.
     */
    @Test
    void aSpringBootJarRunsExtractedAndFromItsArchive() throws Exception {
        Path spring = EXAMPLES.resolve("hello-spring/target/hello-spring.jar");
        Needs.that(Files.isRegularFile(spring), "hello-spring.jar is built: " + spring);
        String app = "spring";
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            sandbox.write("jcluster.toml", """
                    [app]
                    name = "%s"
                    jar = "%s"
                    instances = 1
                    port = %d
                    listen = "self"
                    cds = true
                    """.formatted(app, spring.toAbsolutePath(), port));
            Path cache = sandbox.home.resolve("cache").resolve(app);

            Sandbox.Result first = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, first.code(), () -> first.all() + sandbox.explain(app));
            long worker = sandbox.worker(app, 0).get("pid").asLong();
            List<String> line = cmdline(worker);
            String jar = line.get(line.indexOf("-jar") + 1);
            assertTrue(jar.startsWith(cache.resolve("boot").toString()) && jar.endsWith("/hello-spring.jar"), line::toString);
            assertTrue(Files.isDirectory(Path.of(jar).resolveSibling("lib")), "the extracted layout has its lib/");
            List<Path> archives = archives(cache.resolve("cds"));
            assertEquals(1, archives.size(), archives::toString);
            assertTrue(line.contains("-XX:SharedArchiveFile=" + archives.get(0)), line::toString);
            assertFalse(line.contains("-XX:+AllowArchivingWithJavaAgent"), "a training run's archive needs no diagnostic flag: " + line);
            assertTrue(Sandbox.get(port, Duration.ofSeconds(30)).length() > 0);
            assertMapped(worker, archives.get(0)); // the first worker already starts from it
            assertEquals(0, sandbox.cli("stop", app).code());

            Sandbox.Result second = sandbox.cli("start", "jcluster.toml");
            assertEquals(0, second.code(), () -> second.all() + sandbox.explain(app));
            long again = sandbox.worker(app, 0).get("pid").asLong();
            List<String> againLine = cmdline(again);
            assertEquals(jar, againLine.get(againLine.indexOf("-jar") + 1), "the same extraction, reused");
            assertTrue(Sandbox.get(port, Duration.ofSeconds(30)).length() > 0);
            assertMapped(again, archives.get(0));
            assertEquals(archives, archives(cache.resolve("cds")));
            String log = sandbox.primaryLog(app);
            assertEquals(1, log.split("cds: training run of", -1).length - 1, "one training run for two starts: " + log);
            String workerLog = Files.readString(sandbox.home.resolve("logs").resolve(app).resolve("0.log"));
            assertFalse(workerLog.contains("AllowArchivingWithJavaAgent"), workerLog);
            assertFalse(log.contains("did not map"), log);
            assertEquals(0, sandbox.cli("stop", app).code());
        }
    }

    /**
     * The JVM of {@code pid} mapped {@code archive} (its dynamic regions): with {@code -Xshare:auto} a
     * JVM that rejects an archive (a flag that differs from the dump, another class path) says so
     * only at {@code -Xlog:cds=info} and runs on with the JDK's own {@code classes.jsa} alone.
     */
    static void assertMapped(long pid, Path archive) throws Exception {
        String maps = Files.readString(Path.of("/proc", Long.toString(pid), "maps"));
        assertTrue(maps.contains(archive.toString()), () -> "worker pid " + pid + " did not map " + archive + "; its archives: "
                + maps.lines().filter(l -> l.endsWith(".jsa")).map(l -> l.substring(l.lastIndexOf(' ') + 1)).distinct().toList());
    }

    static List<Path> archives(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jsa")).sorted().toList();
        }
    }

    static List<String> cmdline(long pid) throws Exception {
        String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
        return List.of(raw.split("\0"));
    }
}
