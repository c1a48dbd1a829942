package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```toml} block of {@code docs/*.md} and {@code README.md} loads through
 * {@link ConfigLoader}, as {@code jcluster start} would load it: a sample in the docs is a file
 * that works. The jars, watched paths and directories a sample names are made (empty) in a
 * temporary directory first; a sample without an app gets {@code [app] jar = "app.jar"} in front
 * (its tables are then the file's defaults).
 */
class DocSamplesTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    record Sample(Path doc, int line, String text) {}

    static List<Sample> samples() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(ROOT.resolve("README.md"));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<Sample> samples = new ArrayList<>();
        for (Path doc : docs) {
            List<String> lines = Files.readAllLines(doc);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```toml")) continue;
                StringBuilder text = new StringBuilder();
                int start = i + 1;
                for (i = i + 1; i < lines.size() && !lines.get(i).strip().equals("```"); i++) text.append(lines.get(i)).append('\n');
                samples.add(new Sample(doc, start, text.toString()));
            }
        }
        return samples;
    }

    @TestFactory
    Stream<DynamicTest> everyTomlSampleLoads() throws IOException {
        List<Sample> samples = samples();
        assertTrue(samples.size() >= 5, "found the samples: " + samples.size());
        return samples.stream().map(s -> DynamicTest.dynamicTest(ROOT.relativize(s.doc()) + ":" + s.line(), () -> load(s)));
    }

    private void load(Sample s) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "sample");
        String text = s.text();
        JsonNode tree = new TomlMapper().readTree(text);
        if (!tree.has("app")) {
            text = "[app]\njar = \"app.jar\"\n" + text;
            tree = new TomlMapper().readTree(text);
        }
        List<JsonNode> apps = new ArrayList<>();
        if (tree.get("app").isArray()) tree.get("app").forEach(apps::add);
        else apps.add(tree.get("app"));
        for (JsonNode app : apps) {
            if (app.has("jar")) make(dir, app.get("jar").asText(), false);
            JsonNode paths = app.path("watch").path("paths");
            for (JsonNode p : paths) make(dir, p.asText(), !p.asText().contains("."));
        }
        for (JsonNode p : tree.path("watch").path("paths")) make(dir, p.asText(), !p.asText().contains("."));
        Path file = dir.resolve("jcluster.toml");
        Files.writeString(file, text);
        try {
            List<PlannedApp> planned = ConfigLoader.loadAll(new StartSpec(file.toString(), Overrides.none(), dir.toString()), List.of());
            assertFalse(planned.isEmpty());
        } catch (ConfigException e) {
            fail(ROOT.relativize(s.doc()) + ":" + s.line() + ": the sample does not load: " + e.getMessage());
        }
    }

    /** An empty jar (or file, or directory) at {@code path} under {@code dir}, unless it is absolute. */
    private static void make(Path dir, String path, boolean directory) throws IOException {
        Path p = dir.resolve(path);
        if (Path.of(path).isAbsolute() || Files.exists(p)) return;
        if (directory) {
            Files.createDirectories(p);
        } else {
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[] {'P', 'K', 3, 4});
        }
    }
}
