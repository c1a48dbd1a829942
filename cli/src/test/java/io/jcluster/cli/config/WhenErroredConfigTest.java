package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [restart] when_errored}: its values, its defaults for foreground and detached primaries, and its errors. */
class WhenErroredConfigTest {
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

    private String error(String rest) throws IOException {
        Files.writeString(file, "[app]\njar = \"app.jar\"\n" + rest);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString())));
        return e.getMessage().substring(file.toString().length());
    }

    @Test
    void unsetMeansExitInTheForegroundAndStayDetached() throws Exception {
        RestartPolicy r = load("").restart();
        assertNull(r.whenErrored());
        assertEquals(WhenErrored.EXIT, r.whenErrored(true));
        assertEquals(WhenErrored.STAY, r.whenErrored(false));
        assertFalse(ConfigTables.of(load("")).get("restart").containsKey("when_errored"), "no value to show when unset");
    }

    @Test
    void anExplicitChoiceHoldsForBothKindsOfPrimary() throws Exception {
        RestartPolicy stay = load("[restart]\nwhen_errored = \"stay\"\n").restart();
        assertEquals(WhenErrored.STAY, stay.whenErrored(true));
        assertEquals(WhenErrored.STAY, stay.whenErrored(false));
        AppConfig exit = load("[restart]\nwhen_errored = \"exit\"\n");
        assertEquals(WhenErrored.EXIT, exit.restart().whenErrored(false));
        assertEquals("exit", ConfigTables.of(exit).get("restart").get("when_errored"));
    }

    @Test
    void badValuesNameFileLineAndKey() throws IOException {
        assertEquals(":5: restart.when_errored: expected \"stay\" or \"exit\", got \"restart\"",
                error("[restart]\nmax_failures = 3\nwhen_errored = \"restart\"\n"));
        assertEquals(":4: restart.when_errored: expected \"stay\" or \"exit\", got 1", error("[restart]\nwhen_errored = 1\n"));
        assertEquals(":4: restart.when_errored: expected \"stay\" or \"exit\", got true", error("[restart]\nwhen_errored = true\n"));
        String unknown = error("[restart]\nwhen_erorred = \"exit\"\n");
        assertEquals(":4: restart.when_erorred: unknown key; [restart] takes autorestart, backoff_initial, backoff_max,"
                + " backoff_multiplier, failure_window, max_failures, min_uptime, ok_exit_codes, stable_after, when_errored", unknown);
    }
}
