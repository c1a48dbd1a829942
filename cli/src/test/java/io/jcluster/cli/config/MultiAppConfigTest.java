package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several apps in one file, their defaults, start order, named environments and the new keys; each bad input names file, line, app and key. */
class MultiAppConfigTest {
    private static final String TWO = """
            [restart]
            max_failures = 7
            backoff_initial = "1s"

            [[app]]
            name = "db"
            jar = "app.jar"
            port = 9001
            [app.restart]
            max_failures = 2

            [[app]]
            name = "api"
            jar = "app.jar"
            port = 9002
            after = ["db"]
            [app.env]
            MODE = "dev"
            DB_PASSWORD = "devpass"
            [app.env_production]
            MODE = "prod"
            """;

    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void setUp() throws IOException {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        file = dir.resolve("jcluster.toml");
    }

    private StartSpec spec(String env) {
        return new StartSpec(file.toString(), Overrides.none(), dir.toString(), null, env);
    }

    private List<PlannedApp> all(String text, String env, List<String> only) throws Exception {
        Files.writeString(file, text);
        return ConfigLoader.loadAll(spec(env), only);
    }

    /** The message of the error {@code text} gives, after the file's name. */
    private String error(String text, String env) throws IOException {
        Files.writeString(file, text);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadAll(spec(env), List.of()));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e.getMessage().substring(file.toString().length());
    }

    @Test
    void everyAppTakesTheFilesDefaultsUnderItsOwnSections() throws Exception {
        List<PlannedApp> apps = all(TWO, null, List.of());
        assertEquals(List.of("db", "api"), apps.stream().map(a -> a.config().name()).toList());
        AppConfig db = apps.get(0).config();
        AppConfig api = apps.get(1).config();
        assertEquals(2, db.restart().maxFailures(), "the app's own [app.restart] wins");
        assertEquals(Duration.ofSeconds(1), db.restart().backoffInitial(), "keys it does not set come from [restart]");
        assertEquals(7, api.restart().maxFailures());
        assertEquals(List.of("db"), api.after());
        assertEquals(Map.of("MODE", "dev", "DB_PASSWORD", "devpass"), api.env());
        assertEquals("db", apps.get(0).spec().app(), "each primary keeps which app of the file it runs");
    }

    @Test
    void afterOrdersTheStartWhateverTheFileOrder() throws Exception {
        String text = """
                [[app]]
                name = "web"
                jar = "app.jar"
                after = ["api", "db"]
                [[app]]
                name = "api"
                jar = "app.jar"
                after = ["db"]
                [[app]]
                name = "db"
                jar = "app.jar"
                [[app]]
                name = "cache"
                jar = "app.jar"
                """;
        assertEquals(List.of("db", "cache", "api", "web"), all(text, null, List.of()).stream().map(a -> a.config().name()).toList());
        assertEquals(List.of(List.of("db", "cache"), List.of("api"), List.of("web")),
                StartOrder.waves(ConfigLoader.after(all(text, null, List.of()).stream().map(PlannedApp::config).toList())));
        assertEquals(List.of("api"), all(text, null, List.of("api")).stream().map(a -> a.config().name()).toList());
    }

    @Test
    void thePrimaryOfOneAppReloadsItsOwnAppFromTheFile() throws Exception {
        Files.writeString(file, TWO);
        StartSpec apiSpec = ConfigLoader.loadAll(spec("production"), List.of()).get(1).spec();
        Files.writeString(file, TWO.replace("port = 9002", "port = 9003").replace("\"prod\"", "\"prod2\""));
        AppConfig reloaded = ConfigLoader.load(apiSpec);
        assertEquals("api", reloaded.name());
        assertEquals(9003, reloaded.port(), "the file read again");
        assertEquals("prod2", reloaded.env().get("MODE"), "the same env, with the values the file has now");
        assertEquals("production", reloaded.envName());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(spec(null)));
        assertTrue(e.getMessage().contains("the file has 2 apps (db, api)"), e.getMessage());
    }

    @Test
    void aNamedEnvironmentIsMergedOverEnv() throws Exception {
        AppConfig api = all(TWO, "production", List.of()).get(1).config();
        assertEquals(Map.of("MODE", "prod", "DB_PASSWORD", "devpass"), api.env());
        assertEquals("production", api.envName());
        AppConfig db = all(TWO, "production", List.of()).get(0).config();
        assertNull(db.envName(), "an app without [app.env_production] runs with its [app.env] alone");
    }

    @Test
    void describeMasksSecretsAndNamesTheEnv() throws Exception {
        Map<String, Map<String, Object>> tables = ConfigTables.of(all(TWO, "production", List.of()).get(1).config());
        @SuppressWarnings("unchecked")
        Map<String, Object> env = (Map<String, Object>) tables.get("app").get("env");
        assertEquals("prod", env.get("MODE"));
        assertEquals(ConfigTables.MASKED, env.get("DB_PASSWORD"));
        assertEquals("production", tables.get("app").get("env_name"));
        assertTrue(ConfigTables.secret("api_token") && ConfigTables.secret("AWS_SECRET_ACCESS_KEY") && !ConfigTables.secret("MODE"));
    }

    @Test
    void aSingleAppKeepsWorkingWithNestedSections() throws Exception {
        String text = "[app]\njar = \"app.jar\"\n[app.logs]\nformat = \"json\"\ntimestamps = \"local\"\n[logs]\nmax_files = 2\n";
        AppConfig c = all(text, null, List.of()).get(0).config();
        assertEquals(LogFormat.JSON, c.logs().format());
        assertEquals(Timestamps.LOCAL, c.logs().timestamps());
        assertEquals(2, c.logs().maxFiles());
        assertNull(all(text, null, List.of()).get(0).spec().app(), "a file of one app: the spec names none, as before");
        assertEquals(Timestamps.NONE, all("[app]\njar = \"app.jar\"\n[logs]\ntimestamps = false\n", null, List.of()).get(0)
                .config().logs().timestamps());
        assertEquals(Timestamps.UTC, all("[app]\njar = \"app.jar\"\n[logs]\ntimestamps = true\n", null, List.of()).get(0)
                .config().logs().timestamps(), "true keeps meaning UTC");
    }

    @Test
    void restartRecycleAndWatchKeys() throws Exception {
        Files.writeString(dir.resolve("extra.properties"), "a=1\n");
        String text = """
                [app]
                jar = "app.jar"
                [restart]
                ok_exit_codes = [0, 3]
                autorestart = true
                [recycle]
                every = "24h"
                jitter = "1h"
                [watch]
                paths = ["app.jar", "extra.properties"]
                """;
        AppConfig c = all(text, null, List.of()).get(0).config();
        assertEquals(List.of(0, 3), c.restart().okExitCodes());
        assertFalse(c.restart().restartsAfter(3));
        assertTrue(c.restart().restartsAfter(1));
        assertTrue(c.restart().restartsAfter(null), "a signal is never done");
        assertEquals(Duration.ofHours(24), c.recycle().every());
        assertEquals(Duration.ofHours(1), c.recycle().jitter());
        assertTrue(c.watch().enabled(), "paths turn watch on");
        assertEquals(List.of(dir.resolve("app.jar"), dir.resolve("extra.properties")), c.watch().paths());

        AppConfig plain = all("[app]\njar = \"app.jar\"\n", null, List.of()).get(0).config();
        assertFalse(plain.watch().enabled());
        assertEquals(List.of(dir.resolve("app.jar"), file), plain.watch().paths(), "by default the jar and the config file");
        assertTrue(plain.restart().restartsAfter(0), "by default every exit is restarted");
        assertFalse(plain.recycle().enabled());
        Files.writeString(file, "[app]\njar = \"app.jar\"\n");
        Overrides watch = new Overrides(null, null, null, null, null, null, null, null, true);
        assertTrue(ConfigLoader.load(new StartSpec(file.toString(), watch, dir.toString())).watch().enabled(), "--watch");
        assertFalse(all("[app]\njar = \"app.jar\"\n[restart]\nautorestart = false\n", null, List.of()).get(0).config()
                .restart().restartsAfter(1));
    }

    // --- bad input: each names the file, the line, the app (in a file of several) and the key

    @Test
    void anUnknownEnvName() throws IOException {
        assertEquals(":5: app 'db': app.env_staging: --env staging: no app of this file has [app.env_staging] (its environments: production)",
                error(TWO, "staging"));
    }

    @Test
    void anAfterThatNamesNoAppOfTheFile() throws IOException {
        assertEquals(":16: app 'api': app.after: 'dbb' is not an app of this file (its apps: db, api)",
                error(TWO.replace("after = [\"db\"]", "after = [\"dbb\"]"), null));
    }

    @Test
    void aCycleIsNamedAndNothingStarts() throws IOException {
        String text = TWO.replace("[app.restart]", "after = [\"api\"]\n[app.restart]");
        assertEquals(":9: app 'db': app.after: the apps start after each other in a cycle: db → api → db; nothing starts",
                error(text, null));
    }

    @Test
    void aWatchPathThatDoesNotExist() throws IOException {
        assertEquals(":10: app 'db': app.watch.paths: no such file or directory: " + dir.resolve("nope.txt"),
                error(TWO.replace("[app.restart]", "[app.watch]\npaths = [\"nope.txt\"]\n[app.restart]"), null));
        assertEquals(":4: watch.paths: no such file or directory: " + dir.resolve("gone"),
                error("[app]\njar = \"app.jar\"\n[watch]\npaths = [\"gone\"]\n", null));
    }

    @Test
    void maxRequestsForAnAppThatGivesNoRequestCounts() throws Exception {
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(dir.resolve("plain.jar")))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("Main.class"));
            zip.closeEntry();
        }
        assertEquals(":4: recycle.max_requests: needs request counts, and plain.jar gives none: they come from apps that link"
                + " worker-runtime (io.jcluster.runtime) or run Tomcat or Jetty, and this jar holds none of them",
                error("[app]\njar = \"plain.jar\"\n[recycle]\nmax_requests = 10000\n", null));
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(dir.resolve("boot.jar")))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("BOOT-INF/lib/tomcat-embed-core-10.1.48.jar"));
            zip.closeEntry();
        }
        AppConfig boot = all("[app]\njar = \"boot.jar\"\n[recycle]\nmax_requests = 10000\n", null, List.of()).get(0).config();
        assertEquals(10000L, boot.recycle().maxRequests(), "Spring Boot's Tomcat gives request counts through the agent");
        Path hello = Path.of("../examples/hello-netty/target/hello-netty.jar");
        if (Files.isRegularFile(hello)) {
            Files.copy(hello, dir.resolve("hello.jar"));
            Files.writeString(file, "[app]\njar = \"hello.jar\"\n[recycle]\nmax_requests = 10000\n");
            assertEquals(10000L, ConfigLoader.load(spec(null)).recycle().maxRequests(), "hello-netty links worker-runtime");
        }
    }

    @Test
    void otherMistakesOfTheNewKeys() throws IOException {
        String app = "[app]\njar = \"app.jar\"\n";
        assertEquals(":4: restart.ok_exit_codes: 256 is not an exit code (0 to 255)", error(app + "[restart]\nok_exit_codes = [256]\n", null));
        assertEquals(":4: restart.autorestart: expected true or false, got \"no\"", error(app + "[restart]\nautorestart = \"no\"\n", null));
        assertEquals(":4: recycle.every: 30s is too short (at least 1m)", error(app + "[recycle]\nevery = \"30s\"\n", null));
        assertEquals(":5: recycle.jitter: 2h is not shorter than every (1h)", error(app + "[recycle]\nevery = \"1h\"\njitter = \"2h\"\n", null));
        assertEquals(":4: logs.timestamps: 'gmt' is not \"utc\", \"local\" or false", error(app + "[logs]\ntimestamps = \"gmt\"\n", null));
        assertEquals(":4: logs.format: 'xml' is not \"text\" or \"json\"", error(app + "[logs]\nformat = \"xml\"\n", null));
        assertEquals(":10: app 'db': app.restart.max_failures: 0 is not a count (at least 1)",
                error(TWO.replace("max_failures = 2", "max_failures = 0"), null));
        assertEquals(":13: app 'db': app.name: a second app called 'db': each app of a file needs a name of its own",
                error(TWO.replace("name = \"api\"", "name = \"db\""), null));
        assertEquals(":8: app 'db': app.port: 0 is not a TCP port (1 to 65535)", error(TWO.replace("9001", "0"), null));
        assertEquals(":11: app 'db': app.restart.max_failure: unknown key; [app.restart] takes autorestart, backoff_initial,"
                + " backoff_max, backoff_multiplier, failure_window, max_failures, min_uptime, ok_exit_codes, stable_after, when_errored",
                error(TWO.replace("max_failures = 2", "max_failures = 2\nmax_failure = 1"), null));
    }

    @Test
    void onlyNamesAppsOfTheFile() throws IOException {
        Files.writeString(file, TWO);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadAll(spec(null), List.of("web")));
        assertEquals(file + ": --only: no app 'web' in this file (its apps: db, api)", e.getMessage());
    }
}
