package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [app] ports}: several ports per app, {@code port} its one-port form, and {@code -p} over both. */
class PortsConfigTest {
    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void setUp() throws IOException {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        file = dir.resolve("jcluster.toml");
    }

    private AppConfig load(String rest, Overrides flags) throws Exception {
        Files.writeString(file, "[app]\njar = \"app.jar\"\n" + rest);
        return ConfigLoader.load(new StartSpec(file.toString(), flags, dir.toString()));
    }

    private String error(String rest) throws IOException {
        Files.writeString(file, "[app]\njar = \"app.jar\"\n" + rest);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString())));
        return e.getMessage().substring(file.toString().length());
    }

    private static Overrides ports(Integer... ports) {
        return new Overrides(null, null, null, null, null, null, null, null, null, List.of(ports), null);
    }

    @Test
    void portsListsEveryPortAndTheFirstIsThePort() throws Exception {
        AppConfig c = load("ports = [8080, 8081]\n", Overrides.none());
        assertEquals(List.of(8080, 8081), c.ports());
        assertEquals(8080, c.port(), "PORT, SERVER_PORT and JCLUSTER_PORT name the first");
        assertTrue(c.severalPorts());
        assertEquals("8080, 8081", c.portsText());
    }

    @Test
    void portIsTheOnePortFormAndDefaultsTo8080() throws Exception {
        assertEquals(List.of(9000), load("port = 9000\n", Overrides.none()).ports());
        AppConfig defaults = load("", Overrides.none());
        assertEquals(List.of(8080), defaults.ports());
        assertFalse(defaults.severalPorts());
        assertEquals(List.of(7000), load("ports = [7000]\n", Overrides.none()).ports(), "a list of one is one port");
    }

    @Test
    void bothFormsAtOnceAreAnErrorAtTheLineOfPorts() throws IOException {
        assertEquals(":4: app.ports: port and ports are both set: write port = N for one port, or ports = [N, M, ...] for"
                + " several (the first is the one PORT and JCLUSTER_PORT name)", error("port = 8080\nports = [8080, 8081]\n"));
    }

    @Test
    void emptyDuplicatedAndOutOfRangePortsAreErrors() throws IOException {
        assertEquals(":3: app.ports: no ports: give at least one (ports = [8080]), or leave the key out for port 8080",
                error("ports = []\n"));
        assertEquals(":3: app.ports: port 8081 is listed twice", error("ports = [8080, 8081, 8081]\n"));
        assertEquals(":3: app.ports: 0 is not a TCP port (1 to 65535)", error("ports = [8080, 0]\n"));
        assertEquals(":3: app.ports: 65536 is not a TCP port (1 to 65535)", error("ports = [65536]\n"));
        assertEquals(":3: app.port: 70000 is not a TCP port (1 to 65535)", error("port = 70000\n"));
    }

    @Test
    void valuesOfTheWrongTypeNameTheKey() throws IOException {
        assertTrue(error("ports = [\"http\"]\n").startsWith(":3: app.ports: "), error("ports = [\"http\"]\n"));
        assertTrue(error("ports = 8080\n").startsWith(":3: app.ports: "), error("ports = 8080\n"));
    }

    @Test
    void theFlagReplacesEitherFormOfTheFile() throws Exception {
        assertEquals(List.of(9000, 9001), load("port = 8080\n", ports(9000, 9001)).ports());
        assertEquals(List.of(9000), load("ports = [8080, 8081]\n", ports(9000)).ports());
        assertEquals(List.of(9000, 9001), load("ports = [8080, 8081]\n", ports(9000, 9001)).ports());
        // the spec of a primary started before ports: its one port
        Overrides old = new Overrides(null, null, null, 9100, null, null, null, null);
        assertEquals(List.of(9100), load("ports = [8080, 8081]\n", old).ports());
    }

    @Test
    void badPortsFromTheFlagAreErrorsToo() {
        ConfigException twice = assertThrows(ConfigException.class, () -> load("", ports(9000, 9000)));
        assertTrue(twice.getMessage().contains("app.ports: port 9000 is listed twice"), twice.getMessage());
        ConfigException range = assertThrows(ConfigException.class, () -> load("", ports(9000, 0)));
        assertTrue(range.getMessage().contains("app.ports: 0 is not a TCP port (1 to 65535)"), range.getMessage());
    }

    @Test
    void describeWritesTheFormTheFileWouldHave() throws Exception {
        Map<String, Object> several = ConfigTables.of(load("ports = [8080, 8081]\n", Overrides.none())).get("app");
        assertEquals(List.of(8080, 8081), several.get("ports"));
        assertFalse(several.containsKey("port"));
        Map<String, Object> one = ConfigTables.of(load("port = 8080\n", Overrides.none())).get("app");
        assertEquals(8080, one.get("port"));
        assertFalse(one.containsKey("ports"));
    }

    @Test
    void severalAppsOfAFileEachHaveTheirPorts() throws Exception {
        Files.writeString(file, "[[app]]\nname = \"a\"\njar = \"app.jar\"\nports = [7000, 7001]\n"
                + "[[app]]\nname = \"b\"\njar = \"app.jar\"\nport = 7002\n"
                + "[[app]]\nname = \"c\"\njar = \"app.jar\"\nport = 7003\nports = [7004]\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.loadAll(new StartSpec(file.toString(), Overrides.none(), dir.toString()), List.of("a", "b", "c")));
        assertTrue(e.getMessage().startsWith(file + ":13: app 'c': app.ports: port and ports are both set"), e.getMessage());
        List<PlannedApp> ab = ConfigLoader.loadAll(new StartSpec(file.toString(), Overrides.none(), dir.toString()), List.of("a", "b"));
        assertEquals(List.of(7000, 7001), ab.get(0).config().ports());
        assertEquals(List.of(7002), ab.get(1).config().ports());
    }
}
