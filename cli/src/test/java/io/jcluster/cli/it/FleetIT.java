package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jcluster.cli.Needs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of three hosts (network namespaces, each running jcluster with 2 workers of hello-jdk)
 * behind Debian's HAProxy, which checks every host's {@code /readyz}, built and run by
 * {@code examples/fleet/fleet.sh}. Under wrk through HAProxy: a rolling deploy of hello-netty whose
 * second host never becomes ready stops there (that host out of the balancer, the third untouched,
 * the others serving); fixed, the deploy goes through every host. No request fails in either, and
 * HAProxy itself never had to retry or redispatch one. Everything is inside the fleet's own
 * namespaces (their fixed ports cannot meet anything else), stopped by pid and removed at the end.
 */
@Timeout(600)
class FleetIT {
    private static final Path EXAMPLES = Path.of(System.getProperty("jcluster.examples", "../examples"));
    private static final Path FLEET = EXAMPLES.resolve("fleet/fleet.sh");

    @TempDir
    Path tmp;

    @Test
    void aRollingDeployHostByHostUnderLoadFailsNoRequest() throws Exception {
        Needs.that("root".equals(System.getProperty("user.name")), "root (network namespaces are root's)");
        Needs.executable("/usr/sbin/ip", "iproute2");
        Needs.executable("/usr/sbin/haproxy", "haproxy");
        Needs.executable("/usr/bin/wrk", "wrk");
        Needs.executable("/usr/bin/curl", "curl");
        Path jdk = Needs.built(EXAMPLES.resolve("hello-jdk/target/hello-jdk.jar"), "hello-jdk");
        Path netty = Needs.built(EXAMPLES.resolve("hello-netty/target/hello-netty.jar"), "hello-netty");
        Path dir = tmp.resolve("fleet");
        try {
            Run up = fleet("up", dir.toString(), jdk.toAbsolutePath().toString(), "3");
            assertEquals(0, up.code, up.text);

            // h2 cannot run the new release: its first new worker fails at start
            Path h2 = dir.resolve("hosts/h2/jcluster.toml");
            Files.writeString(h2, Files.readString(h2) + "[app.env]\nHELLO_FAIL_SLOT = \"0\"\n");
            Load load = new Load(dir, 400);
            Run failed = fleet("deploy", dir.toString(), netty.toAbsolutePath().toString());
            assertNotEquals(0, failed.code, failed.text);
            assertTrue(failed.text.contains("h1: out ") && failed.text.contains("h2: the reload failed: the deploy stops here")
                    && failed.text.contains("h3: not deployed, still on the previous release"), failed.text);
            Map<String, String> status = status(dir);
            assertEquals("UP", status.get("h1"), status.toString());
            assertEquals("DOWN", status.get("h2"), "the host that failed stays out: " + status);
            assertEquals("UP", status.get("h3"), status.toString());
            assertEquals(List.of(2, 1, 1), generations(dir), "h1 deployed, h2 rolled back, h3 untouched");
            Thread.sleep(3000); // the others serve on, h2 out
            Map<String, Long> during = load.finish();
            assertTrue(during.get("app jdk") > 0 && during.get("app jcluster") > 0, "both releases served: " + during);

            // fixed: the deploy goes through, host by host
            Files.writeString(h2, Files.readString(h2).replace("[app.env]\nHELLO_FAIL_SLOT = \"0\"\n", ""));
            load = new Load(dir, 400);
            Run deployed = fleet("deploy", dir.toString(), netty.toAbsolutePath().toString());
            assertEquals(0, deployed.code, deployed.text);
            for (String h : List.of("h1", "h2", "h3")) assertTrue(deployed.text.contains(h + ": out "), deployed.text);
            load.finish();
            assertEquals(List.of(3, 2, 2), generations(dir));
            Load last = new Load(dir, 3);
            Thread.sleep(4000); // it ends by itself
            Map<String, Long> after = last.finish();
            assertEquals(null, after.get("app jdk"), "every host runs the new release: " + after);
            assertTrue(after.get("app jcluster") > 0, after.toString());
            for (String line : fleet("status", dir.toString()).text.strip().split("\n")) {
                assertTrue(line.matches("h\\d UP .* retries=0 redispatches=0 conn_errors=0 resp_errors=0"),
                        "HAProxy never retried, redispatched or saw an error: " + line);
            }
        } finally {
            Run down = fleet("down", dir.toString());
            assertEquals(0, down.code, down.text);
        }
        String fleet = Files.readString(dir.resolve("fleet.env")).lines().filter(l -> l.startsWith("FLEET="))
                .findFirst().orElseThrow().substring(6);
        String namespaces = run(List.of("ip", "netns", "list")).text;
        assertTrue(!namespaces.contains(fleet + "-"), "no namespace of the fleet " + fleet + " is left: " + namespaces);
        assertEquals(List.of(), processesUnder(dir), "no process of the fleet is left");
    }

    /** wrk through HAProxy for {@code seconds}, or until {@link #finish()}; its counts must show no failure. */
    private final class Load {
        private final Process wrk;
        private final Path out;

        Load(Path dir, int seconds) throws IOException {
            this.out = Files.createTempFile(tmp, "wrk", ".txt");
            wrk = new ProcessBuilder(FLEET.toAbsolutePath().toString(), "load", dir.toString(), Integer.toString(seconds))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        }

        /** Stops it (SIGINT: fleet.sh load becomes wrk, which reports at SIGINT) and returns its counts, checked: no request failed. */
        Map<String, Long> finish() throws Exception {
            if (wrk.isAlive()) new ProcessBuilder("kill", "-INT", Long.toString(wrk.pid())).start().waitFor();
            if (!wrk.waitFor(60, TimeUnit.SECONDS)) {
                wrk.destroyForcibly();
                fail("wrk did not stop: " + Files.readString(out));
            }
            String text = Files.readString(out);
            Map<String, Long> counts = new HashMap<>();
            Matcher m = Pattern.compile("(?m)^(requests|non2xx|app \\w+) (\\d+)$").matcher(text);
            while (m.find()) counts.put(m.group(1), Long.parseLong(m.group(2)));
            assertTrue(counts.getOrDefault("requests", 0L) > 100, "wrk sent requests through HAProxy: " + text);
            assertEquals(0L, counts.get("non2xx"), text);
            assertTrue(text.contains("errors connect=0 read=0 write=0 timeout=0 status=0"), "no request failed: " + text);
            return counts;
        }
    }

    /** HAProxy's status of each host. */
    private Map<String, String> status(Path dir) throws Exception {
        Map<String, String> status = new HashMap<>();
        for (String line : fleet("status", dir.toString()).text.strip().split("\n")) {
            String[] f = line.split(" ");
            status.put(f[0], f[1]);
        }
        return status;
    }

    /** The generation each host's app runs, from {@code jcluster ls --json} against the host's home. */
    private List<Integer> generations(Path dir) throws Exception {
        List<Integer> gens = new ArrayList<>();
        for (String h : List.of("h1", "h2", "h3")) {
            ProcessBuilder pb = new ProcessBuilder(Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "ls", "--json", "web");
            pb.environment().put("JCLUSTER_HOME", dir.resolve("hosts").resolve(h).resolve("home").toString());
            Run ls = run(pb);
            gens.add(Sandbox.JSON.readTree(ls.text).get(0).get("workers").get(0).get("generation").asInt());
        }
        return gens;
    }

    private record Run(int code, String text) {}

    private Run fleet(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(FLEET.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JCLUSTER", Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString());
        return run(pb);
    }

    private static Run run(List<String> cmd) throws Exception {
        return run(new ProcessBuilder(cmd));
    }

    private static Run run(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(String.join(" ", pb.command()) + " did not finish in 5 minutes");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Live processes whose environment or command line names the fleet's directory. */
    private static List<Long> processesUnder(Path dir) {
        String marker = dir.toString();
        return ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid()).filter(p -> {
            for (String file : List.of("environ", "cmdline")) {
                try {
                    if (new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), file)), StandardCharsets.UTF_8)
                            .contains(marker)) return true;
                } catch (IOException e) {
                    // gone
                }
            }
            return false;
        }).map(ProcessHandle::pid).toList();
    }
}
