package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jcluster.cli.commands.CommandLines;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Mutates a valid {@code jcluster.toml} at random (characters flipped, inserted and deleted, lines
 * duplicated, dropped and swapped, values swapped between keys, values of the wrong type) and loads
 * each result. It must be a usable {@link AppConfig} or a {@link ConfigException} whose message
 * starts with the file's path: never another exception. A sample of the failures also runs
 * {@code jcluster start} in-process: exit code 2, one line naming the file, and no run directory.
 * Fixed seeds: a failure names the seed and the case, so it replays.
 */
class ConfigFuzzTest {
    private static final int CASES = Integer.getInteger("fuzz.cases", 12_000);
    private static final Pattern LINE = Pattern.compile("^(\\s*[A-Za-z0-9_.\"-]+\\s*=\\s*)(.*)$");
    private static final String ALPHABET = "[]{}\"'=.,#\\\n \t-+_:0123456789abcdefhjmnpstuxz\u00e9\u2603\r\u0000";
    private static final List<String> VALUES = List.of(
            "0", "-1", "1", "2", "65536", "99999999999999999999", "9223372036854775807", "-9223372036854775808",
            "1.5", "-0.0", "nan", "inf", "-inf", "1e308", "true", "false", "\"\"", "\" \"", "\"auto\"", "\"max\"",
            "\"0ms\"", "\"1ms\"", "\"5s\"", "\"9223372036854775807h\"", "\"99999999999m\"", "\"2562047788015216h\"",
            "\"self\"", "\"handoff\"", "\"SELF\"", "\"nope\"", "[]", "[\"a\", 1]", "[\"-Xmx1g\"]", "{}", "{ a = \"b\" }",
            "1979-05-27T07:32:00Z", "07:32:00", "\"a\\u0000b\"", "\"x=y\"", "\"..\"", "\"/\"", "\"/nonexistent/java\"",
            "'literal'", "\"\"\"multi\nline\"\"\"", "0x10", "0o7", "0b1", "1_000", "+5",
            "\"512m\"", "\"0\"", "\"1k\"", "\"8589934592g\"", "\"17179869185g\"", "\"9223372036854775807k\"", "\"-1m\"",
            "\"auto\"", "\"call\"", "\"port\"", "\"http:/health\"", "\"http:\"", "\"http:health\"");

    @TempDir
    Path dir;
    Path file;
    String valid;

    @BeforeEach
    void setUp() throws IOException {
        Files.write(dir.resolve("app.jar"), new byte[] {'P', 'K', 3, 4});
        Files.createDirectories(dir.resolve("work"));
        file = dir.resolve("jcluster.toml");
        valid = """
                # a valid config that every case starts from
                [app]
                name = "fuzzed"
                jar = "app.jar"
                instances = 2
                port = 18080
                host = "127.0.0.1"
                listen = "handoff"
                jvm_args = ["-Xmx64m", "-Dx=y"]
                args = ["serve", "--fast"]
                cwd = "work"
                java = "%s"
                cds = false
                [app.env]
                GREETING = "hi"
                MODE = "test"

                [restart]
                backoff_initial = "100ms"
                backoff_multiplier = 2.0
                backoff_max = "15s"
                stable_after = "30s"
                min_uptime = "1s"
                max_failures = 5
                failure_window = "1m"

                [reload]
                ready = "auto"
                ready_timeout = "60s"
                drain_timeout = "10s"
                stop_timeout = "5s"

                [health]
                heartbeat_interval = "1s"
                heartbeat_timeout = "10s"
                max_memory = "512m"
                memory_grace = "3s"
                """.formatted(ConfigLoader.currentJava());
        System.setProperty("jcluster.home", dir.resolve("home").toString());
    }

    @AfterEach
    void tearDown() {
        System.clearProperty("jcluster.home");
    }

    @Test
    void theSeedConfigIsValid() throws Exception {
        Files.writeString(file, valid);
        AppConfig c = load();
        assertEquals("fuzzed", c.name());
        assertEquals(2, c.instances());
        assertEquals(Duration.ofSeconds(1), c.health().heartbeatInterval());
    }

    @Test
    void mutatedConfigsLoadOrFailWithTheFileName() throws Exception {
        Random random = new Random(Long.getLong("fuzz.seed", 0x5eed_c0f1L));
        int valids = 0;
        int errors = 0;
        for (int i = 0; i < CASES; i++) {
            String text = mutate(valid, random, 1 + random.nextInt(4));
            Files.writeString(file, text);
            try {
                check(load(), text);
                valids++;
            } catch (ConfigException e) {
                errors++;
                assertTrue(e.getMessage().startsWith(file.toString()), () -> "message does not start with the file: "
                        + e.getMessage() + "\n--- config:\n" + text);
                assertFalse(e.getMessage().contains("\n\tat "), () -> "a stack trace in the message: " + e.getMessage());
                if (i % 40 == 0) startFailsCleanly(text, e.getMessage());
            } catch (Exception | StackOverflowError e) {
                fail("case " + i + " threw " + e + "\n--- config:\n" + text, e);
            }
        }
        // A fuzzer that only ever produces one outcome is not testing much.
        assertTrue(valids > CASES / 50, "valid configs: " + valids);
        assertTrue(errors > CASES / 2, "errors: " + errors);
        assertFalse(Files.exists(dir.resolve("home/run")), "no run directory was ever created");
    }

    /** A file of several apps, with every new table: mutated, it loads every app or fails naming the file. */
    @Test
    void mutatedMultiAppConfigsLoadOrFailWithTheFileName() throws Exception {
        String seed = """
                [restart]
                max_failures = 7
                ok_exit_codes = [0]
                [logs]
                format = "json"
                timestamps = "local"
                [[app]]
                name = "db"
                jar = "app.jar"
                port = 18081
                [app.restart]
                autorestart = false
                [app.recycle]
                every = "24h"
                jitter = "1h"
                [[app]]
                name = "api"
                jar = "app.jar"
                port = 18082
                after = ["db"]
                [app.env]
                MODE = "dev"
                [app.env_prod]
                MODE = "prod"
                [app.watch]
                paths = ["app.jar", "work"]
                interval = "500ms"
                """;
        Files.writeString(file, seed);
        assertEquals(2, ConfigLoader.loadAll(new StartSpec(file.toString(), Overrides.none(), dir.toString(), null, "prod"),
                List.of()).size());
        Random random = new Random(Long.getLong("fuzz.seed", 0x5eed_c0f2L));
        int valids = 0;
        for (int i = 0; i < CASES; i++) {
            String text = mutate(seed, random, 1 + random.nextInt(4));
            Files.writeString(file, text);
            try {
                for (PlannedApp a : ConfigLoader.loadAll(new StartSpec(file.toString(), Overrides.none(), dir.toString(), null,
                        i % 2 == 0 ? "prod" : null), List.of())) {
                    check(a.config(), text);
                    assertEquals(a.config().name(), ConfigLoader.load(a.spec()).name(), "each app's primary finds its own app");
                }
                valids++;
            } catch (ConfigException e) {
                assertTrue(e.getMessage().startsWith(file.toString()), () -> "message does not start with the file: "
                        + e.getMessage() + "\n--- config:\n" + text);
            } catch (Exception | StackOverflowError e) {
                fail("case " + i + " threw " + e + "\n--- config:\n" + text, e);
            }
        }
        assertTrue(valids > CASES / 50, "valid configs: " + valids);
    }

    private AppConfig load() throws ConfigException {
        return ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString()));
    }

    /** What every loaded config promises the primary. */
    private static void check(AppConfig c, String text) {
        String why = "a loaded config that is not usable:\n" + text + "\n--- gave " + c;
        assertTrue(c.name().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"), why);
        assertTrue(c.instances() >= 1 && c.instances() <= 1024, why);
        assertTrue(c.port() >= 1 && c.port() <= 65535, why);
        assertTrue(Files.isRegularFile(c.jar()) && Files.isDirectory(c.workDir()) && Files.isExecutable(c.java()), why);
        assertTrue(c.host() != null && !c.host().isBlank(), why);
        for (String s : c.jvmArgs()) assertTrue(s.indexOf('\0') < 0, why);
        for (String s : c.args()) assertTrue(s.indexOf('\0') < 0, why);
        c.env().forEach((k, v) -> assertTrue(!k.isEmpty() && k.indexOf('=') < 0 && k.indexOf('\0') < 0 && v.indexOf('\0') < 0, why));
        for (Duration d : List.of(c.restart().backoffInitial(), c.restart().backoffMax(), c.restart().stableAfter(),
                c.restart().minUptime(), c.restart().failureWindow(), c.reload().readyTimeout(), c.reload().drainTimeout(),
                c.reload().stopTimeout(), c.health().heartbeatInterval(), c.health().heartbeatTimeout(), c.health().memoryGrace())) {
            assertFalse(d.isNegative(), why);
            d.toMillis(); // must not overflow
        }
        assertTrue(c.health().heartbeatInterval().toMillis() > 0 && c.reload().readyTimeout().toMillis() > 0, why);
        assertTrue(c.health().heartbeatTimeout().compareTo(c.health().heartbeatInterval()) > 0, why);
        assertTrue(c.health().maxMemory().bytes() >= 0, why);
        assertTrue(c.health().maxMemory().bytes() == 0 || c.health().maxMemory().bytes() >= 1 << 20, why);
        assertTrue(c.restart().maxFailures() >= 1, why);
        double m = c.restart().backoffMultiplier();
        assertTrue(Double.isFinite(m) && m >= 1, why);
        for (int n = 1; n < 40; n++) assertFalse(c.restart().backoff(n).isNegative(), why);
    }

    /** {@code jcluster start} on a bad config: exit 2, the message on stderr, nothing started. */
    private void startFailsCleanly(String text, String message) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = CommandLines.full();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("start", file.toString());
        String why = "config:\n" + text + "\n--- stderr: " + err + "\n--- stdout: " + out;
        assertEquals(2, code, why);
        assertEquals("jcluster: " + message + "\n", err.toString(), why);
        assertEquals("", out.toString(), why);
        assertFalse(Files.exists(dir.resolve("home/run")), why);
    }

    static String mutate(String text, Random random, int times) {
        for (int t = 0; t < times; t++) {
            List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
            int at = random.nextInt(lines.size());
            switch (random.nextInt(9)) {
                case 0 -> { // flip a character
                    if (text.isEmpty()) break;
                    int p = random.nextInt(text.length());
                    text = text.substring(0, p) + ALPHABET.charAt(random.nextInt(ALPHABET.length())) + text.substring(p + 1);
                    continue;
                }
                case 1 -> { // insert a character
                    int p = random.nextInt(text.length() + 1);
                    text = text.substring(0, p) + ALPHABET.charAt(random.nextInt(ALPHABET.length())) + text.substring(p);
                    continue;
                }
                case 2 -> { // delete a run of characters
                    if (text.isEmpty()) break;
                    int p = random.nextInt(text.length());
                    int q = Math.min(text.length(), p + 1 + random.nextInt(8));
                    text = text.substring(0, p) + text.substring(q);
                    continue;
                }
                case 3 -> lines.add(at, lines.get(at)); // duplicate a line
                case 4 -> lines.remove(at); // drop a line
                case 5 -> { // swap two lines
                    int other = random.nextInt(lines.size());
                    String l = lines.get(at);
                    lines.set(at, lines.get(other));
                    lines.set(other, l);
                }
                case 6, 7 -> { // give a key a value of another type, or another key's value
                    List<Integer> keyed = keyedLines(lines);
                    if (keyed.isEmpty()) continue;
                    int k = keyed.get(random.nextInt(keyed.size()));
                    Matcher m = LINE.matcher(lines.get(k));
                    m.matches();
                    String value;
                    if (random.nextBoolean()) {
                        value = VALUES.get(random.nextInt(VALUES.size()));
                    } else {
                        Matcher o = LINE.matcher(lines.get(keyed.get(random.nextInt(keyed.size()))));
                        o.matches();
                        value = o.group(2);
                    }
                    lines.set(k, m.group(1) + value);
                }
                default -> { // a key from one table written in another
                    List<Integer> keyed = keyedLines(lines);
                    if (keyed.isEmpty()) continue;
                    lines.add(at, lines.get(keyed.get(random.nextInt(keyed.size()))));
                }
            }
            text = String.join("\n", lines);
        }
        return text;
    }

    private static List<Integer> keyedLines(List<String> lines) {
        List<Integer> keyed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (LINE.matcher(lines.get(i)).matches()) keyed.add(i);
        }
        return keyed;
    }
}
