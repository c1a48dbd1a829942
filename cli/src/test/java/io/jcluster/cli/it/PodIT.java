package io.jcluster.cli.it;

import static io.jcluster.cli.it.Sandbox.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcluster.cli.Needs;
import io.jcluster.cli.config.HeapSizing;
import io.jcluster.fake.PodApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * jcluster where services run: a pod's CPU quota and memory limit (a cgroup this test makes, of 1.5
 * CPUs and 1.5 GiB) and PID namespace ({@code unshare --pid}), the primary its PID 1. What a pod's
 * users count on: the worker count under the quota, heaps that fit the limit in every state (start,
 * scale up, scale down), a worker that runs out of heap or past the pod's limit restarted with the
 * reason while the primary survives, orphans reaped, the probes' Kubernetes meanings, and SIGTERM
 * draining every worker. The cgroups are removed and every process stopped by pid at the end.
 */
@Timeout(600)
class PodIT {
    private static final long LIMIT = 1536L << 20;
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aPrimaryAsPid1InAPodOfOneAndAHalfCpus() throws Exception {
        needs();
        try (Sandbox sandbox = new Sandbox(); Pod pod = Pod.create("jcluster-pod-" + ProcessHandle.current().pid(), 1.5, LIMIT)) {
            int port = Sandbox.freePort();
            int metrics = Sandbox.freePort();
            Path gate = Files.createDirectory(sandbox.dir.resolve("gate"));
            try (Pid1 pid1 = new Pid1(sandbox, pod, sandbox.write("pod.toml", config("pod", "\"auto\"", port, metrics, gate, 1)))) {
                // Starting: the primary answers its probes; slot 0's worker waits at the gate.
                await("the primary's probes", WAIT, () -> probe(metrics, "/healthz").startsWith("200"));
                long primary = pid1.primary();
                assertEquals("1", Sandbox.nsPid(primary), "the primary is PID 1 of its namespace");
                await("slot 0 waiting at its gate", WAIT, () -> pid1.output().contains("pod: slot 0 waits"));
                assertEquals("503 not started: no worker has been ready yet", probe(metrics, "/startupz"));
                assertEquals("503 not ready: no worker is ready", probe(metrics, "/readyz"));
                assertEquals("200 ok", probe(metrics, "/healthz"), "starting is alive");
                Files.createFile(gate.resolve("0"));
                await("started and ready", WAIT, () -> probe(metrics, "/startupz").startsWith("200")
                        && probe(metrics, "/readyz").startsWith("200"));

                // instances = "auto" under a quota of 1.5 CPUs: 1 worker (the JVM itself rounds up)
                JsonNode app = sandbox.app("pod");
                assertEquals(1, app.get("workers").size(), app.toString());
                Map<String, String> answer = Sandbox.fields(Sandbox.get(port, WAIT));
                String describe = sandbox.cli("describe", "pod").out();
                assertTrue(describe.contains("# auto: the CPU quota of 1.5 CPUs (") && describe.contains("), rounded down"),
                        describe + "\nthe JVM in the pod says cpus=" + answer.get("cpus"));
                long workerMaxHeap = Long.parseLong(answer.get("maxHeap"));
                awaitSpares(sandbox, 1);
                assertHeapsFit(pod, primary, "at start");
                assertTrue(workerMaxHeap <= LIMIT / 4, "one worker and one spare: 25% each at most, got " + workerMaxHeap);

                // scale up and down, the heaps' shares sampled all along
                for (int slot = 1; slot < 4; slot++) Files.createFile(gate.resolve(Integer.toString(slot)));
                HeapWatch watch = new HeapWatch(pod, primary);
                Sandbox.Result up = sandbox.cli("scale", "pod", "3");
                assertEquals(0, up.code(), () -> up.all() + pid1.output());
                awaitSpares(sandbox, 1);
                Map<Long, Double> afterUp = assertHeapsFit(pod, primary, "after scale up");
                List<Long> served = new ArrayList<>();
                for (String group : List.of("workers", "spares")) for (JsonNode w : sandbox.app("pod").get(group)) served.add(w.get("pid").asLong());
                assertEquals(4, served.size(), "3 workers and a spare: " + served);
                List<Long> inPod = new ArrayList<>(); // ls gives the pids the primary sees: those of the pod's PID namespace
                for (long pid : afterUp.keySet()) {
                    try {
                        inPod.add(Long.parseLong(Sandbox.nsPid(pid)));
                    } catch (IOException e) {
                        // ended since it was counted: the training run
                    }
                }
                assertTrue(inPod.containsAll(served) && afterUp.size() <= 5, "the workers and the spare " + served + ", and at most"
                        + " one JVM more (the start cache's training run, in the room kept for it): " + afterUp + ", in the pod " + inPod);
                for (double share : afterUp.values()) assertEquals(15.0, share, 0.01, "75 / (3 + 1 + 1) each: " + afterUp);
                for (long maxHeap : maxHeaps(port, 3)) assertTrue(maxHeap <= LIMIT * 15 / 100, "a worker's heap: " + maxHeap);
                Sandbox.Result down = sandbox.cli("scale", "pod", "2");
                assertEquals(0, down.code(), () -> down.all() + pid1.output());
                assertHeapsFit(pod, primary, "after scale down");
                double most = watch.stop();
                assertTrue(most <= 75.0 + 1e-6, "the heaps' shares together, at most, through both scales: " + most + "% ("
                        + watch.worst + ")");

                // out of heap, then out of the pod's memory: restarted with the reason, the primary lives on
                String heapReason = crash(sandbox, port, "/heap");
                assertTrue(heapReason.contains("OutOfMemoryError"), heapReason);
                long oomKills = pod.oomKills();
                String podReason = crash(sandbox, port, "/native");
                assertTrue(pod.oomKills() > oomKills, "the kernel killed a process of the pod");
                assertTrue(podReason.contains("OOM killer") && podReason.contains("1536 MiB"), podReason);
                assertTrue(Sandbox.alive(primary), "the primary survives both");
                await("both slots ready again", WAIT, () -> ready(sandbox) == 2);

                // the workers' orphans: inherited by PID 1, reaped when they end
                assertTrue(httpGet(port, "/orphans").startsWith("orphans "));
                List<Long> adopted = Sandbox.children(primary, "sleep");
                assertEquals(PodApp.ORPHANS, adopted.size(), "the orphans' parent is PID 1: " + adopted);
                await("the orphans reaped", Duration.ofSeconds(30), () -> Sandbox.children(primary, null).stream().noneMatch(Sandbox::zombie)
                        && Sandbox.children(primary, "sleep").isEmpty());

                // cordoned: out of the balancer, still serving
                assertEquals(0, sandbox.cli("cordon", "pod").code());
                assertEquals("503 not ready: cordoned (jcluster uncordon puts it back)", probe(metrics, "/readyz"));
                assertTrue(Sandbox.get(port, WAIT).startsWith("pod "), "a cordoned pod still serves");
                assertEquals(0, sandbox.cli("uncordon", "pod").code());
                assertEquals("200 ready", probe(metrics, "/readyz"));

                // SIGTERM to PID 1 with a request in flight: not ready at once, alive, every worker drained, exit 0
                CompletableFuture<String> slow = CompletableFuture.supplyAsync(unchecked(() -> httpGet(port, "/slow")));
                Thread.sleep(500);
                pid1.sigterm();
                await("not ready while it stops", Duration.ofSeconds(10), () -> probe(metrics, "/readyz").equals(
                        "503 not ready: the app is stopping"));
                assertEquals("200 ok", probe(metrics, "/healthz"), "stopping is alive");
                assertEquals("slow done", slow.get(30, TimeUnit.SECONDS).trim(), "the request in flight was answered");
                assertEquals(0, pid1.exitCode(), "exit 0: every worker drained within drain_timeout, none killed:\n" + pid1.output());
                assertEquals(List.of(), pod.pids(), "nothing is left in the pod");
                assertEquals(List.of(), pod.childGroups(), "the primary removed the group it made for starting workers");
            }
        }
    }

    /** Two slots: started with the first ready worker, ready with the last. */
    @Test
    void readinessWaitsForEverySlotStartupForTheFirst() throws Exception {
        needs();
        try (Sandbox sandbox = new Sandbox(); Pod pod = Pod.create("jcluster-pod2-" + ProcessHandle.current().pid(), 1.5, LIMIT)) {
            int port = Sandbox.freePort();
            int metrics = Sandbox.freePort();
            Path gate = Files.createDirectory(sandbox.dir.resolve("gate"));
            try (Pid1 pid1 = new Pid1(sandbox, pod, sandbox.write("two.toml", config("two", "2", port, metrics, gate, 0)))) {
                await("both slots waiting at their gates", WAIT, () -> pid1.output().contains("pod: slot 0 waits")
                        && pid1.output().contains("pod: slot 1 waits"));
                assertEquals("503 not started: no worker has been ready yet", probe(metrics, "/startupz"));
                Files.createFile(gate.resolve("0"));
                await("started", WAIT, () -> probe(metrics, "/startupz").startsWith("200"));
                assertEquals("503 not ready: starting: 1 of 2 slots have a ready worker", probe(metrics, "/readyz"));
                Files.createFile(gate.resolve("1"));
                await("ready", WAIT, () -> probe(metrics, "/readyz").startsWith("200"));
                pid1.sigterm();
                assertEquals(0, pid1.exitCode(), pid1.output());
                assertEquals(List.of(), pod.pids());
            }
        }
    }

    /** Bad input: a quota below one CPU runs one worker and says so; a limit below one worker's need is refused at start. */
    @Test
    void aQuotaBelowOneCpuAndALimitBelowOneWorker() throws Exception {
        needs();
        try (Sandbox sandbox = new Sandbox(); Pod pod = Pod.create("jcluster-pod3-" + ProcessHandle.current().pid(), 0.5, LIMIT)) {
            int port = Sandbox.freePort();
            List<String> start = List.of(Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "start",
                    Sandbox.FAKE_JAR.toAbsolutePath().toString(), "--name", "small", "-p", Integer.toString(port), "--", "pod");
            Process p = sandbox.background(sandbox.dir.resolve("small.txt"), pod.wrap(start));
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), () -> Sandbox.read(sandbox.dir.resolve("small.txt")) + sandbox.primaryLog("small"));
            assertEquals(1, sandbox.app("small").get("workers").size());
            String describe = sandbox.cli("describe", "small").out();
            assertTrue(describe.contains("# auto: the CPU quota of 0.5 CPUs (") && describe.contains(") is below one CPU: 1 worker"),
                    describe);
            assertEquals(0, sandbox.cli("stop", "small").code());
            await("the pod empty", WAIT, () -> pod.pids().isEmpty());

            pod.memory(160L << 20);
            Process refused = sandbox.background(sandbox.dir.resolve("refused.txt"), pod.wrap(List.of(
                    Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "start", Sandbox.FAKE_JAR.toAbsolutePath().toString(),
                    "--name", "tiny", "-p", Integer.toString(port), "--", "pod")));
            assertTrue(refused.waitFor(120, TimeUnit.SECONDS));
            String said = Sandbox.read(sandbox.dir.resolve("refused.txt"));
            assertEquals(2, refused.exitValue(), said);
            assertTrue(said.contains("the memory limit of this cgroup, 160 MiB (" + pod.memoryGroup()) && said.contains("171 MiB at least"),
                    said);
            assertEquals("no apps running (start one with: jcluster start app.jar)", sandbox.cli("ls").out().strip());
        }
    }

    private static void needs() {
        String why = Pod.unavailable();
        Needs.that(why == null, why);
        Needs.that(Sandbox.canUnshare(), "unshare --pid works here (util-linux, root)");
    }

    private static String config(String name, String instances, int port, int metrics, Path gate, int spares) {
        return """
                [app]
                name = "%s"
                jar = "%s"
                args = ["pod"]
                instances = %s
                spares = %d
                port = %d
                [app.env]
                POD_GATE = "%s"
                [reload]
                warmup = "0s"
                drain_timeout = "8s"
                stop_timeout = "3s"
                [restart]
                backoff_initial = "100ms"
                [metrics]
                listen = "127.0.0.1:%d"
                """.formatted(name, Sandbox.FAKE_JAR.toAbsolutePath(), instances, spares, port, gate, metrics);
    }

    /** {@code jcluster start --foreground} of {@code config} as PID 1 of a new PID namespace in {@code pod}; closing kills what is left of it. */
    private static final class Pid1 implements AutoCloseable {
        private final Process unshare;
        private final Path out;

        Pid1(Sandbox sandbox, Pod pod, Path config) throws IOException {
            out = sandbox.dir.resolve(config.getFileName() + ".out");
            unshare = sandbox.background(out, pod.wrap(List.of("unshare", "--pid", "--fork", "--mount-proc",
                    Sandbox.DIST.resolve("bin/jcluster").toAbsolutePath().toString(), "start", "--foreground", "--logs", "stdout",
                    config.toString())));
        }

        /** The primary's pid in the host's numbering. */
        long primary() {
            return unshare.toHandle().children().findFirst().orElseThrow().pid();
        }

        void sigterm() {
            ProcessHandle.of(primary()).orElseThrow().destroy();
        }

        /** The primary's exit code, once it has exited (within a minute). */
        int exitCode() throws InterruptedException {
            assertTrue(unshare.waitFor(60, TimeUnit.SECONDS), "the primary exits after SIGTERM:\n" + output());
            return unshare.exitValue();
        }

        /** What the primary wrote: its log and its workers' output. */
        String output() {
            return Sandbox.read(out);
        }

        @Override
        public void close() throws InterruptedException {
            unshare.destroyForcibly();
            unshare.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Makes a worker answering {@code path} die (any worker: the port picks one), and returns the reason
     * {@code ls} gives for it, once its slot has a new worker.
     */
    private static String crash(Sandbox sandbox, int port, String path) throws Exception {
        Map<Integer, Integer> restarts = new HashMap<>();
        for (JsonNode w : sandbox.app("pod").get("workers")) restarts.put(w.get("slot").asInt(), w.get("restarts").asInt());
        try {
            httpGet(port, path);
        } catch (IOException e) {
            // the worker died under the request: what it is for
        }
        String[] reason = new String[1];
        await("a worker's death recorded (" + path + ")", WAIT, () -> {
            try {
                for (JsonNode w : sandbox.app("pod").get("workers")) {
                    int slot = w.get("slot").asInt();
                    if (w.get("restarts").asInt() > restarts.getOrDefault(slot, 0) && w.hasNonNull("lastExit")) {
                        reason[0] = w.get("lastExit").path("signal").asText("") + " " + w.get("lastExit").path("code").asInt() + " "
                                + w.get("lastExit").path("reason").asText();
                        return true;
                    }
                }
                return false;
            } catch (Exception e) {
                return false;
            }
        });
        return reason[0];
    }

    private static int ready(Sandbox sandbox) {
        try {
            int n = 0;
            for (JsonNode w : sandbox.app("pod").get("workers")) if ("ready".equals(w.get("state").asText())) n++;
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitSpares(Sandbox sandbox, int n) throws InterruptedException {
        await(n + " warm spare(s)", WAIT, () -> {
            try {
                JsonNode spares = sandbox.app("pod").get("spares");
                int warm = 0;
                for (JsonNode s : spares) if ("spare".equals(s.get("state").asText())) warm++;
                return warm == n && spares.size() == n;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** The heap maxima that {@code n} different workers report. */
    private static List<Long> maxHeaps(int port, int n) throws IOException {
        Map<String, Long> seen = new HashMap<>();
        for (int i = 0; i < 400 && seen.size() < n; i++) {
            Map<String, String> f = Sandbox.fields(Sandbox.get(port, WAIT));
            seen.put(f.get("pid"), Long.parseLong(f.get("maxHeap")));
        }
        assertEquals(n, seen.size(), "answers from " + n + " workers: " + seen);
        return new ArrayList<>(seen.values());
    }

    /** Each worker JVM's heap share of the pod's memory (pid → percent), checked to fit in 75 % together. */
    private static Map<Long, Double> assertHeapsFit(Pod pod, long primary, String when) {
        Map<Long, Double> shares = heapShares(pod, primary);
        double sum = shares.values().stream().mapToDouble(Double::doubleValue).sum();
        assertTrue(sum <= 75.0 + 1e-6, when + ": the heaps' shares add up to " + sum + "%: " + shares);
        return shares;
    }

    /**
     * The heap share of every worker JVM in the pod, from its command line as the JVM reads it: the last
     * {@code -XX:MaxRAMPercentage}, else an {@code -Xmx} over the limit, else the JDK's 25 %.
     */
    static Map<Long, Double> heapShares(Pod pod, long primary) {
        Map<Long, Double> shares = new HashMap<>();
        for (long pid : pod.pids()) {
            if (pid == primary) continue;
            List<String> args = Sandbox.cmdline(pid);
            if (args.isEmpty() || !args.get(0).endsWith("java") || args.contains("io.jcluster.cli.Main")) continue;
            double share = 25.0;
            for (String a : args) {
                if (a.startsWith("-XX:MaxRAMPercentage=")) share = Double.parseDouble(a.substring(21));
                if (a.startsWith("-Xmx")) share = 100.0 * HeapSizing.maxHeap(List.of(a)) / LIMIT;
            }
            shares.put(pid, share);
        }
        return shares;
    }

    /** Samples the heaps' shares every 20 ms until stopped; keeps the largest sum seen. */
    private static final class HeapWatch {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private volatile double most;
        volatile Map<Long, Double> worst = Map.of();

        HeapWatch(Pod pod, long primary) {
            thread = new Thread(() -> {
                while (running.get()) {
                    Map<Long, Double> shares = heapShares(pod, primary);
                    double sum = shares.values().stream().mapToDouble(Double::doubleValue).sum();
                    if (sum > most) {
                        most = sum;
                        worst = shares;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-watch");
            thread.setDaemon(true);
            thread.start();
        }

        double stop() throws InterruptedException {
            running.set(false);
            thread.join(5000);
            return most;
        }
    }

    /** A probe's answer as "status body" (first line), or "down" when nothing answers. */
    private static String probe(int port, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body().strip();
        } catch (IOException e) {
            return "down";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "down";
        }
    }

    /** One GET of {@code path} on the app's port, on a connection of its own: the body of a 200, else an IOException. */
    private static String httpGet(int port, String path) throws IOException {
        return Sandbox.get(port, path, Duration.ofSeconds(60));
    }

    private static <T> Supplier<T> unchecked(java.util.concurrent.Callable<T> call) {
        return () -> {
            try {
                return call.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
