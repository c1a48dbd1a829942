package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jcluster.cli.control.RecordJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [app] aot_cache}: "auto" by default, true and false, its older spelling {@code cds}, and its errors. */
class AotCacheConfigTest {
    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void setUp() throws IOException {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        file = dir.resolve("jcluster.toml");
    }

    private AppConfig load(String rest) throws Exception {
        Files.writeString(file, "[app]\njar = \"app.jar\"\n" + rest);
        return ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString()));
    }

    @Test
    void autoByDefaultAndEverySpellingOfOnAndOff() throws Exception {
        assertEquals(CacheMode.AUTO, load("").aotCache());
        assertEquals(CacheMode.AUTO, load("aot_cache = \"auto\"\n").aotCache());
        assertEquals(CacheMode.ON, load("aot_cache = true\n").aotCache());
        assertEquals(CacheMode.OFF, load("aot_cache = false\n").aotCache());
        assertEquals(CacheMode.ON, load("cds = true\n").aotCache(), "the older spelling still works");
        assertEquals(CacheMode.OFF, load("cds = false\n").aotCache());
        assertEquals(CacheMode.AUTO, load("cds = \"auto\"\n").aotCache());
        assertEquals("auto", ConfigTables.of(load("")).get("app").get("aot_cache"));
        assertEquals(false, ConfigTables.of(load("cds = false\n")).get("app").get("aot_cache"));
    }

    @Test
    void theResolvedConfigKeepsIt() throws Exception {
        for (CacheMode mode : CacheMode.values()) {
            AppConfig config = load("aot_cache = " + (mode == CacheMode.AUTO ? "\"auto\"" : mode == CacheMode.ON) + "\n");
            assertEquals(mode, RecordJson.read(new String(RecordJson.bytes(config), java.nio.charset.StandardCharsets.UTF_8), AppConfig.class).aotCache());
        }
    }

    @Test
    void aBadValueNamesFileLineAndKey() throws IOException {
        Files.writeString(file, "[app]\njar = \"app.jar\"\naot_cache = \"sometimes\"\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString())));
        assertEquals(":3: app.aot_cache: expected \"auto\", true or false, got \"sometimes\"", e.getMessage().substring(file.toString().length()));
    }
}
