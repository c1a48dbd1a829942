package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.Needs;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two apps of one file, {@code api} after {@code db}: {@code jcluster start} with no argument starts
 * {@code ./jcluster.toml}, db's primary first and api's only once db is ready; each app has its own
 * primary; {@code --env} reaches api's workers and is kept by reload; {@code --only}; reload and stop of
 * the file's apps; env values never in {@code ls --json} and masked in {@code describe}; db's own
 * {@code [app.logs]} writes JSON lines.
 */
@Timeout(300)
class MultiAppIT {
    private static final Duration HTTP = Duration.ofSeconds(20);

    @Test
    void twoAppsInOrderOnlyReloadAndStopByFile() throws Exception {
        Needs.that(Files.isRegularFile(Sandbox.HELLO_JAR), "hello-netty.jar is built");
        try (Sandbox sb = new Sandbox()) {
            int dbPort = Sandbox.freePort();
            int apiPort = Sandbox.freePort();
            String jar = Sandbox.HELLO_JAR.toAbsolutePath().toString();
            sb.write("jcluster.toml", """
                    [reload]
                    drain_timeout = "2s"

                    [[app]]
                    name = "api"
                    jar = "%s"
                    instances = 1
                    port = %d
                    after = ["db"]
                    [app.env]
                    API_TOKEN = "s3cret-value"
                    MODE = "dev"
                    [app.env_production]
                    MODE = "prod"

                    [[app]]
                    name = "db"
                    jar = "%s"
                    instances = 1
                    port = %d
                    [app.logs]
                    format = "json"
                    """.formatted(jar, apiPort, jar, dbPort));

            Sandbox.Result cycle = sb.cli("start", sb.write("cycle.toml", """
                    [[app]]
                    name = "a"
                    jar = "%s"
                    after = ["b"]
                    [[app]]
                    name = "b"
                    jar = "%s"
                    after = ["a"]
                    """.formatted(jar, jar)).toString());
            assertEquals(2, cycle.code(), cycle.all());
            assertTrue(cycle.err().contains(":4: app 'a': app.after: the apps start after each other in a cycle: a → b → a"), cycle.err());
            assertTrue(sb.leftovers().isEmpty(), "nothing started");

            Sandbox.Result start = sb.cli("start", "--env", "production");
            assertEquals(0, start.code(), () -> start.all() + sb.explain("db") + sb.explain("api"));
            String out = start.out();
            assertTrue(out.indexOf("starting db") >= 0 && out.indexOf("starting db") < out.indexOf("starting api"), out);
            assertTrue(out.indexOf("\ndb ") > 0 && out.indexOf("\ndb ") < out.indexOf("starting api"), "db's table, once ready, before api starts: " + out);
            Instant dbReady = lastReady(sb.home.resolve("logs/db/primary.log"));
            Instant apiFirst = firstLine(sb.home.resolve("logs/api/primary.log"));
            assertFalse(apiFirst.isBefore(dbReady), "api's primary logged first at " + apiFirst + ", db was ready at " + dbReady);

            Sandbox.get(dbPort, HTTP);
            Sandbox.get(apiPort, HTTP);
            long dbPrimary = sb.app("db").get("primaryPid").asLong();
            long apiPrimary = sb.app("api").get("primaryPid").asLong();
            assertTrue(dbPrimary != apiPrimary, "each app has a primary of its own");

            Sandbox.Result ls = sb.cli("ls", "--json");
            assertFalse(ls.out().contains("s3cret-value") || ls.out().contains("API_TOKEN"), "ls --json carries no env: " + ls.out());
            Sandbox.Result describe = sb.cli("describe", "api");
            assertEquals(0, describe.code(), describe.all());
            assertFalse(describe.out().contains("s3cret-value"), describe.out());
            assertTrue(describe.out().contains("API_TOKEN = \"********\""), describe.out());
            assertTrue(describe.out().contains("after = [\"db\"]"), describe.out());
            assertTrue(describe.out().contains("# env in force: production"), describe.out());
            long apiWorker = sb.worker("api", 0).get("pid").asLong();
            assertTrue(environ(apiWorker).contains("MODE=prod"), "[app.env_production] over [app.env]");

            long dbWorker = sb.worker("db", 0).get("pid").asLong();
            await("db's worker output as JSON lines", HTTP, () -> jsonLine(sb.home.resolve("logs/db/0.log"), dbWorker) != null);
            JsonNode line = jsonLine(sb.home.resolve("logs/db/0.log"), dbWorker);
            assertEquals("db", line.get("app").asText());
            assertEquals(0, line.get("slot").asInt());
            assertEquals(1, line.get("generation").asInt(), "the launcher passes the generation: " + line);
            assertEquals("out", line.get("stream").asText());
            Sandbox.Result logs = sb.cli("logs", "db", "--json", "-n", "3");
            assertEquals(0, logs.code(), logs.all());
            for (String l : logs.out().lines().toList()) assertEquals("db", Sandbox.JSON.readTree(l).get("app").asText(), l);

            Sandbox.Result reload = sb.cli("reload", "jcluster.toml");
            assertEquals(0, reload.code(), () -> reload.all() + sb.explain("api"));
            assertTrue(reload.out().indexOf("db: reloaded") >= 0 && reload.out().indexOf("db: reloaded") < reload.out().indexOf("api: reloaded"),
                    "each primary reloaded its own app of the file, in start order: " + reload.out());
            assertEquals(2, sb.worker("api", 0).get("generation").asInt());
            assertTrue(environ(sb.worker("api", 0).get("pid").asLong()).contains("MODE=prod"), "reload keeps the env of the start");

            Sandbox.Result stop = sb.cli("stop", "jcluster.toml");
            assertEquals(0, stop.code(), stop.all());
            assertTrue(stop.out().indexOf("stopped api") < stop.out().indexOf("stopped db"), "dependents stop first: " + stop.out());
            await("nothing left", HTTP, () -> sb.leftovers().isEmpty());

            Sandbox.Result alone = sb.cli("start", "jcluster.toml", "--only", "api");
            assertEquals(1, alone.code(), alone.all());
            assertTrue(alone.err().contains("app 'api' starts after 'db', which is not running"), alone.err());
            assertTrue(sb.leftovers().isEmpty(), "nothing started");

            Sandbox.Result onlyDb = sb.cli("start", "--only", "db");
            assertEquals(0, onlyDb.code(), onlyDb.all());
            Sandbox.Result names = sb.cli("ls", "--json");
            List<String> running = new java.util.ArrayList<>();
            for (var a : Sandbox.JSON.readTree(names.out())) running.add(a.get("name").asText()); // the apps, not their nested names (GC collectors)
            assertEquals(List.of("db"), running);
            Sandbox.Result thenApi = sb.cli("start", "--only", "api");
            assertEquals(0, thenApi.code(), "api starts: db is running and ready: " + thenApi.all());
            assertEquals(0, sb.cli("stop", "jcluster.toml").code());
            await("nothing left", HTTP, () -> sb.leftovers().isEmpty());
        }
    }

    private static String environ(long pid) throws Exception {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), java.nio.charset.StandardCharsets.UTF_8)
                .replace('\0', '\n');
    }

    private static Instant lastReady(Path log) throws Exception {
        Instant last = null;
        for (String l : Files.readAllLines(log)) if (l.contains(" ready (")) last = Instant.parse(l.substring(0, l.indexOf(' ')));
        assertTrue(last != null, "no ready line in " + log);
        return last;
    }

    private static Instant firstLine(Path log) throws Exception {
        for (String l : Files.readAllLines(log)) {
            try {
                return Instant.parse(l.substring(0, l.indexOf(' ')));
            } catch (RuntimeException e) {
                // a line that is not the primary's own: the next one
            }
        }
        throw new AssertionError("no timestamped line in " + log);
    }

    /** The first line of {@code file} that is a JSON object of worker {@code pid}, or null. */
    private static JsonNode jsonLine(Path file, long pid) {
        try {
            for (String l : Files.readAllLines(file)) {
                JsonNode n = Sandbox.JSON.readTree(l);
                if (n.get("pid").asLong() == pid) return n;
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }
}
