package io.jcluster.cli.primary.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the cache that need no JVM started: what a JDK can cache, the key, the digest, the refusal, the maps. */
class AppCacheTest {
    @TempDir
    Path dir;

    @Test
    void aJdk25MakesAnAotCacheAndAJdk17ADynamicArchive() {
        WorkerJdk here = WorkerJdk.of(Path.of(System.getProperty("java.home"), "bin/java"));
        assertEquals(Runtime.version().feature(), here.feature());
        assertEquals(here.feature() >= 25 ? WorkerJdk.Kind.AOT : WorkerJdk.Kind.CDS, here.kind(), here::toString);
        WorkerJdk jdk25 = WorkerJdk.of(Needs.jdk25());
        assertTrue(jdk25.feature() >= 25 && jdk25.kind() == WorkerJdk.Kind.AOT, jdk25::toString);
        assertNotEquals(here.identity(), jdk25.identity());
        WorkerJdk none = WorkerJdk.of(dir.resolve("bin/java"));
        assertEquals(WorkerJdk.Kind.NONE, none.kind());
        assertTrue(none.why().contains("does not exist"), none.why());
    }

    @Test
    void theKeyFollowsTheContentTheJdkAndTheJvmArgs() throws Exception {
        Path agent = Files.writeString(dir.resolve("agent.jar"), "agent");
        WorkerJdk jdk = WorkerJdk.of(Path.of(System.getProperty("java.home"), "bin/java"));
        String key = CacheKey.of(jdk, "aaaa", List.of("-Xss1m"), agent);
        assertEquals(key, CacheKey.of(jdk, "aaaa", List.of("-Xss1m"), agent));
        assertNotEquals(key, CacheKey.of(jdk, "bbbb", List.of("-Xss1m"), agent), "another jar content");
        assertNotEquals(key, CacheKey.of(jdk, "aaaa", List.of("-Xss2m"), agent), "another flag");
        assertNotEquals(key, CacheKey.of(WorkerJdk.of(Needs.jdk25()), "aaaa", List.of("-Xss1m"), agent), "another JDK");
        Files.writeString(agent, "another agent");
        assertNotEquals(key, CacheKey.of(jdk, "aaaa", List.of("-Xss1m"), agent), "another agent jar");
    }

    @Test
    void aFileOfTheSameTimeButAnotherContentHasAnotherDigest() throws Exception {
        Path jar = Files.writeString(dir.resolve("app.jar"), "one");
        FileTime time = Files.getLastModifiedTime(jar);
        String one = JarDigest.of(jar);
        assertEquals(one, JarDigest.of(jar));
        Path other = Files.writeString(dir.resolve("other"), "two");
        Files.setLastModifiedTime(other, time);
        Files.move(other, jar, StandardCopyOption.REPLACE_EXISTING);
        assertEquals(time, Files.getLastModifiedTime(jar));
        assertNotEquals(one, JarDigest.of(jar), "same name, same time, another content");
        Files.writeString(dir.resolve("copy"), "two");
        assertEquals(JarDigest.of(jar), JarDigest.of(dir.resolve("copy")), "the content, not the time or the name");
    }

    @Test
    void theJvmsOwnWordsForARefusal() {
        List<String> lines = List.of("hello",
                "[0.021s][error][aot] An error has occurred while processing the AOT cache. Run with -Xlog:aot for details.",
                "[0.021s][error][aot] Mismatched values for property jdk.module.addmods",
                "[0.025s][error][aot] Unable to map shared spaces");
        assertEquals("its JVM refused it: Mismatched values for property jdk.module.addmods; Unable to map shared spaces",
                AppCache.refusal(lines));
        assertTrue(AppCache.refusal(List.of("nothing")).contains("without saying why"));
    }

    @Test
    void mappedReadsTheProcessMaps() throws Exception {
        long self = ProcessHandle.current().pid();
        String maps = Files.readString(Path.of("/proc/self/maps"));
        String mappedFile = maps.lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)).filter(f -> f.endsWith(".so") || f.endsWith(".jsa"))
                .findFirst().orElseThrow();
        assertTrue(AppCache.mapped(self, Path.of(mappedFile)));
        assertFalse(AppCache.mapped(self, dir.resolve("none.aot")));
        assertNull(AppCache.mapped(Long.MAX_VALUE, dir.resolve("none.aot")), "no such process");
    }
}
