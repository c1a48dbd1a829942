package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Values that bind but that nothing could run with, each found by {@link ConfigFuzzTest}: a clear error, file:line: key. */
class ConfigChecksTest {
    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void setUp() throws IOException {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        file = dir.resolve("jcluster.toml");
    }

    private String error(String rest) throws IOException {
        Files.writeString(file, "[app]\njar = \"app.jar\"\n" + rest);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString())));
        return e.getMessage().substring(file.toString().length());
    }

    @Test
    void pathsWithANulAreErrorsNotCrashes() throws IOException {
        assertEquals(":3: app.cwd: not a usable path: Nul character not allowed: a\0b", error("cwd = \"a\\u0000b\"\n"));
        assertEquals(":3: app.java: not a usable path: Nul character not allowed: j\0", error("java = \"j\\u0000\"\n"));
    }

    @Test
    void aDirectoryIsNoJava() throws IOException {
        assertEquals(":3: app.java: not an executable java: /", error("java = \"/\"\n"));
    }

    @Test
    void durationsThatOverflowOrNeverEndAreErrors() throws IOException {
        assertEquals(":4: reload.drain_timeout: '9223372036854775807h' is too long (at most 30 days, 720h)",
                error("[reload]\ndrain_timeout = \"9223372036854775807h\"\n"));
        assertEquals(":4: reload.drain_timeout: '99999999999999999999ms' is too long (at most 30 days, 720h)",
                error("[reload]\ndrain_timeout = \"99999999999999999999ms\"\n"));
        assertEquals(":4: reload.warmup: '3 seconds' is not a duration (write it like 500ms, 5s, 2m or 1h)",
                error("[reload]\nwarmup = \"3 seconds\"\n"));
        assertEquals(":4: health.heartbeat_interval: must be longer than 0", error("[health]\nheartbeat_interval = \"0ms\"\n"));
        assertEquals(":4: reload.ready_timeout: expected a duration like \"500ms\", \"5s\" or \"2m\", got an array",
                error("[reload]\nready_timeout = [\"5s\"]\n"));
    }

    @Test
    void restartPolicyValuesMustMakeSense() throws IOException {
        assertEquals(":4: restart.backoff_multiplier: NaN is not a multiplier (a number from 1, e.g. 2.0)",
                error("[restart]\nbackoff_multiplier = nan\n"));
        assertEquals(":4: restart.backoff_multiplier: 0.5 is not a multiplier (a number from 1, e.g. 2.0)",
                error("[restart]\nbackoff_multiplier = 0.5\n"));
        assertEquals(":4: restart.max_failures: 0 is not a count (at least 1)", error("[restart]\nmax_failures = 0\n"));
    }

    @Test
    void hostEnvironmentAndArgumentsAreChecked() throws IOException {
        assertEquals(":3: app.host: 'no such host.' is not an address to listen on (e.g. 0.0.0.0 or 127.0.0.1)",
                error("host = \"no such host.\"\n"));
        assertEquals(":4: app.env.A=B: not an environment variable name (it must not be empty or contain '=')",
                error("[app.env]\n\"A=B\" = \"x\"\n"));
        assertEquals(":3: app.jvm_args: a value contains a NUL character", error("jvm_args = [\"-X\\u0000\"]\n"));
    }

    @Test
    void sparesAreACountAndNeedHandoff() throws IOException {
        assertEquals(":3: app.spares: -1 is not a spare count (0 to 64)", error("spares = -1\n"));
        assertEquals(":3: app.spares: 65 is not a spare count (0 to 64)", error("spares = 65\n"));
        assertTrue(error("spares = 1\nlisten = \"self\"\n").startsWith(":3: app.spares: warm spares need listen = \"handoff\""));
        assertTrue(error("spares = \"two\"\n").startsWith(":3: app.spares: "), error("spares = \"two\"\n"));
    }

    @Test
    void anUnknownDottedKeyHasItsLine() throws IOException {
        assertEquals(":4: app.port_: unknown key; [app] takes after, aot_cache, args, cwd, env, host, instances, jar, java, jvm_args, "
                + "listen, name, port, ports, spares, and the tables env_<name>, restart, reload, health, logs, metrics, overload, recycle, watch",
                error("\nport_.x = 1\n"));
    }
}
