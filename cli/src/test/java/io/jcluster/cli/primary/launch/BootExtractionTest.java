package io.jcluster.cli.primary.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.primary.supervisor.PrimaryLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which jars are Spring Boot jars, their content key, and what runs when one cannot be extracted. */
class BootExtractionTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrimaryLog log = new PrimaryLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), "unit");

    @Test
    void aJarWithoutBootInfRunsAsItIs() throws Exception {
        Path jar = jar("plain.jar", "io/example/Main.class");
        assertFalse(BootExtraction.isBootJar(jar));
        BootExtraction boot = new BootExtraction(dir.resolve("boot"), log);
        AppConfig config = config(jar, true);
        boot.prepare(config, j -> dir.resolve("never.jsa"));
        assertEquals(new BootExtraction.Layout(jar, true, null), boot.layout(config));
        assertFalse(Files.exists(dir.resolve("boot")), "nothing extracted");
    }

    @Test
    void aBootJarThatCannotBeExtractedRunsAsItIsWithoutCds() throws Exception {
        // BOOT-INF/ but no Main-Class: `java -Djarmode=tools -jar` fails as it would without Spring's tools
        Path jar = jar("boot.jar", "BOOT-INF/", "BOOT-INF/classes/App.class");
        assertTrue(BootExtraction.isBootJar(jar));
        BootExtraction boot = new BootExtraction(dir.resolve("boot"), log);
        AppConfig config = config(jar, true);
        boot.prepare(config, j -> dir.resolve("never.jsa"));
        BootExtraction.Layout layout = boot.layout(config);
        assertEquals(jar, layout.jar());
        assertFalse(layout.archivable());
        assertNull(layout.trained());
        String logged = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(logged.contains("cds: cannot extract the Spring Boot jar") && logged.contains("exited with 1"), logged);
        assertTrue(logged.contains("without cds"), logged);
    }

    @Test
    void withCdsOffNothingIsPrepared() throws Exception {
        Path jar = jar("boot.jar", "BOOT-INF/");
        BootExtraction boot = new BootExtraction(dir.resolve("boot"), log);
        AppConfig config = config(jar, false);
        boot.prepare(config, j -> dir.resolve("never.jsa"));
        assertEquals("", logBytes.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(dir.resolve("boot")));
    }

    @Test
    void theKeyIsTheJarsContent() throws Exception {
        Path a = jar("a.jar", "BOOT-INF/");
        Path b = jar("b.jar", "BOOT-INF/");
        Path c = jar("c.jar", "BOOT-INF/", "BOOT-INF/classes/App.class");
        assertEquals(BootExtraction.hash(a), BootExtraction.hash(b));
        assertNotEquals(BootExtraction.hash(a), BootExtraction.hash(c));
        assertEquals(16, BootExtraction.hash(a).length());
    }

    private Path jar(String name, String... entries) throws IOException {
        Path jar = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String e : entries) {
                ZipEntry entry = new ZipEntry(e);
                entry.setTime(0); // the same bytes for the same entries
                zip.putNextEntry(entry);
                zip.closeEntry();
            }
        }
        return jar;
    }

    private AppConfig config(Path jar, boolean cds) throws Exception {
        Path file = dir.resolve("jcluster.toml");
        Files.writeString(file, """
                [app]
                name = "unit"
                jar = "%s"
                instances = 1
                port = 8080
                cds = %s
                """.formatted(jar, cds));
        return ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString()));
    }
}
