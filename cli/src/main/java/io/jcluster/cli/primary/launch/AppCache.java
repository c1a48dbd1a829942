package io.jcluster.cli.primary.launch;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.control.CacheStatus;
import io.jcluster.cli.host.PreloadLibrary;
import io.jcluster.cli.metrics.ProcessMemory;
import io.jcluster.cli.primary.supervisor.Loop;
import io.jcluster.cli.logs.PrimaryLog;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The cache workers start from ({@code [app] aot_cache}): the JDK's AOT cache from JDK 25, a dynamic
 * CDS archive on JDK 17 to 24, so that the JVM maps the app's classes, already parsed and linked, from
 * one read-only file every worker shares.
 *
 * <p><b>Nothing waits for it.</b> Workers start at once, without a cache while there is none. Once
 * the app has settled (every slot's worker ready, no change under way), one {@link TrainingRun} makes
 * it at idle priority; workers started after that (crash replacements, reloads, scale, the next
 * start) use it.
 *
 * <p><b>Keyed on what must match</b> ({@link CacheKey}): the jar's content, the JDK, {@code jvm_args}
 * and the agent jar. A cache file is used only after its content matched the digest written beside it
 * when it was made, and only while the jar is the one it was made for (same identity since its
 * digest was taken); a worker whose JVM did not map it ({@code /proc/<pid>/maps}) has its reason
 * logged once, and the file is removed and made again, at most {@link #MAX_TRAININGS} times.
 *
 * <p>Threading: {@link #prepare} and {@link #view} block and run off the supervisor loop; the rest
 * runs on the loop. What they share is in {@link #prepared} (a concurrent map of immutable records).
 */
public final class AppCache {
    /** Training runs per key and primary: a cache that cannot be made or is refused is not retried forever. */
    static final int MAX_TRAININGS = 2;

    private final Path dir;
    private final Path agentJar;
    private final Path runtimeJar;
    private final PrimaryLog log;
    private final BootExtraction boot;
    /** The app's jar (absolute) → what {@link #prepare} found for it. */
    private final Map<Path, Prepared> prepared = new ConcurrentHashMap<>();
    private final Map<String, Integer> trainings = new HashMap<>();
    /** Workers started with a cache and not yet checked: pid → the cache file. */
    private final Map<Long, Path> using = new HashMap<>();
    /** Pids that map the cache, as checked at their ready. */
    private final Map<Long, Boolean> mapped = new ConcurrentHashMap<>();
    /** A training run is under way (set on the loop), and its process once it runs. */
    private volatile boolean training;
    private volatile Process trainer;
    /** A change needed the training run's room: it ends, and runs again once the app settles. */
    private volatile boolean yielded;
    private String lastNone;

    public AppCache(Path dir, Path agentJar, Path runtimeJar, PrimaryLog log) {
        this.dir = dir;
        this.agentJar = agentJar;
        this.runtimeJar = runtimeJar;
        this.log = log;
        this.boot = new BootExtraction(dir.resolve("boot"));
    }

    /**
     * What a jar's workers can start from: {@code cache} (null when there is none to use) and the jar
     * they then run ({@code runJar}, a Spring Boot jar's extraction); made for the jar whose identity
     * was {@code jarIdentity}. {@code none} says why the app has no cache at all.
     */
    record Prepared(String key, WorkerJdk jdk, String jarIdentity, Path runJar, boolean boot, Path cache, Path file, String none) {}

    /** What a worker runs: the jar for {@code -jar} and the JVM arguments that use the cache. */
    record Launch(Path jar, List<String> jvmArgs) {}

    /**
     * Finds what workers of {@code config} can start from: hashes the jar, reads its JDK, checks a
     * cache file that is there against its digest. With {@code extract}, also extracts a Spring Boot
     * jar (at idle priority). Blocking: off the loop; never makes a cache (see {@link #settled}).
     */
    public AppConfig prepare(AppConfig config, boolean extract) {
        Path jar = config.jar().toAbsolutePath();
        try {
            String none = CacheKey.refusal(config);
            WorkerJdk jdk = WorkerJdk.of(config.java());
            if (none == null && jdk.kind() == WorkerJdk.Kind.NONE) none = jdk.why();
            String identity = JarDigest.identity(jar);
            String digest = JarDigest.of(jar);
            boolean isBoot = BootExtraction.isBootJar(jar);
            Path run = isBoot ? boot.existing(jar, digest) : jar;
            if (none == null && isBoot && run == null && extract) run = boot.extract(config.java(), jar, digest);
            if (none == null && !isBoot && PreloadLibrary.unavailabilityCause(runtimeJar, config.java()) != null) {
                none = "a training run needs the preload library: " + PreloadLibrary.unavailabilityCause(runtimeJar, config.java());
            }
            String key = CacheKey.of(jdk, digest, config.jvmArgs(), agentJar);
            Path file = dir.resolve(jdk.kind() == WorkerJdk.Kind.AOT ? "aot" : "cds").resolve(key + jdk.kind().suffix);
            Path cache = none == null && run != null && verified(file) ? file : null;
            prepared.put(jar, new Prepared(key, jdk, identity, run, isBoot, cache, file, none));
        } catch (IOException e) {
            prepared.put(jar, new Prepared(null, null, null, null, false, null, null, "cannot read " + jar + ": " + e.getMessage()));
            log.info("cache: %s", prepared.get(jar).none());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return config;
    }

    /** Whether a cache was ever made for this app (then a start looks for it before its first worker). */
    public boolean anyMade() {
        for (String kind : List.of("aot", "cds")) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve(kind), "*.sha256")) {
                if (files.iterator().hasNext()) return true;
            } catch (IOException e) {
                // no such directory
            }
        }
        return false;
    }

    /**
     * Whether {@code file} is there with the content its digest file names; a damaged one is said, and
     * removed. The digest file also holds the file's identity when it was written: while that is
     * unchanged (no write since, see {@link JarDigest}), the content is not read again.
     */
    private boolean verified(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return false;
        Path digestFile = digestOf(file);
        String[] expected = Files.isRegularFile(digestFile) ? Files.readString(digestFile).strip().split(" ", 2) : null;
        if (expected != null && expected.length == 2 && expected[1].equals(JarDigest.identity(file))) return true;
        String actual = JarDigest.sha256(file);
        if (expected != null && actual.equals(expected[0])) return true;
        log.info("cache: %s is damaged (%s); it is not used, and is made again", file,
                expected == null ? "no digest beside it" : "its content does not match its digest: truncated or overwritten");
        remove(file);
        return false;
    }

    private static Path digestOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".sha256");
    }

    private static void remove(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(digestOf(file));
    }

    /** What the next worker of {@code config} runs (on the loop): the cache's jar and flags, or the jar as it is. */
    Launch launch(AppConfig config) {
        Path jar = config.jar().toAbsolutePath();
        Prepared p = prepared.get(jar);
        if (!config.aotCache().wanted() || p == null) return new Launch(config.jar(), List.of());
        if (p.none() != null) {
            if (!p.none().equals(lastNone)) log.info("cache: none for %s: %s", jar.getFileName(), p.none());
            lastNone = p.none();
            return new Launch(config.jar(), List.of());
        }
        // a jar changed in place since its digest was taken runs as it is now, never against the old cache
        if (!java.util.Objects.equals(p.jarIdentity(), JarDigest.identity(jar))) return new Launch(config.jar(), List.of());
        if (p.runJar() == null) return new Launch(config.jar(), List.of());
        if (p.cache() == null || !Files.isRegularFile(p.cache())) return new Launch(p.runJar(), List.of());
        if (p.jdk().kind() == WorkerJdk.Kind.CDS) return new Launch(p.runJar(), List.of("-XX:SharedArchiveFile=" + p.cache()));
        // mapped where it was made (JDK 25 relocates it by default): its pages stay clean, so every worker shares them
        if (config.jvmArgs().stream().anyMatch(a -> a.startsWith("-XX:ArchiveRelocationMode"))) {
            return new Launch(p.runJar(), List.of("-XX:AOTCache=" + p.cache())); // the user's choice
        }
        return new Launch(p.runJar(), List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0", "-XX:AOTCache=" + p.cache()));
    }

    /** A worker started with {@code args} (from {@link #launch}) as {@code pid}. */
    void spawned(long pid, List<String> args) {
        for (String a : args) {
            int eq = a.indexOf('=');
            if (a.startsWith("-XX:AOTCache=") || a.startsWith("-XX:SharedArchiveFile=")) using.put(pid, Path.of(a.substring(eq + 1)));
        }
    }

    /**
     * {@code pid} is ready: if it was given a cache, check (off the loop) that its JVM mapped it. A JVM
     * that refuses one runs on without it; its reason is in its output ({@code lines}).
     */
    void ready(long pid, Loop loop, Supplier<List<String>> lines) {
        Path file = using.remove(pid);
        if (file == null) return;
        loop.offLoop(() -> mapped(pid, file), isMapped -> {
            if (isMapped == null) return; // gone meanwhile
            mapped.put(pid, isMapped);
            if (isMapped) return;
            Prepared p = prepared.values().stream().filter(x -> file.equals(x.cache())).findFirst().orElse(null);
            if (p == null) return; // already refused by another worker: said once
            log.info("cache: worker pid %d did not map %s: %s; it is not used again and is made again", pid, file, refusal(lines.get()));
            prepared.replaceAll((jar, x) -> file.equals(x.cache())
                    ? new Prepared(x.key(), x.jdk(), x.jarIdentity(), x.runJar(), x.boot(), null, x.file(), x.none()) : x);
            try {
                remove(file);
            } catch (IOException e) {
                log.info("cache: cannot remove %s: %s", file, e.getMessage());
            }
        });
    }

    /** The JVM's own words for refusing a cache, from a worker's output. */
    static String refusal(List<String> lines) {
        List<String> said = new ArrayList<>();
        for (String l : lines) {
            if ((l.contains("[aot") || l.contains("[cds")) && (l.contains("[error") || l.contains("[warning"))
                    && !l.contains("Run with -Xlog:aot for details")) said.add(l.substring(l.indexOf(']', l.indexOf("[aot") < 0 ? 0 : l.indexOf("[aot")) + 1).strip());
        }
        return said.isEmpty() ? "its JVM refused it without saying why (add \"-Xlog:aot\" or \"-Xlog:cds\" to jvm_args to see why)"
                : "its JVM refused it: " + String.join("; ", said);
    }

    /** Whether {@code pid} maps {@code file}; null when the process is gone. */
    static Boolean mapped(long pid, Path file) {
        try {
            String maps = Files.readString(Path.of("/proc", Long.toString(pid), "maps"));
            if (maps.contains(file.toString())) return true;
            return Files.exists(file) && maps.contains(file.toRealPath().toString()); // maps name the real path
        } catch (IOException e) {
            return null;
        }
    }

    /** A worker exited. */
    void exited(long pid) {
        using.remove(pid);
        mapped.remove(pid);
    }

    /**
     * The app has settled (on the loop): if {@code config}'s workers could use a cache that is not
     * there, make it now, in the background at idle priority. At most one training run at a time.
     */
    void settled(AppConfig config, Loop loop) {
        if (!config.aotCache().wanted() || training) return;
        Prepared p = prepared.get(config.jar().toAbsolutePath());
        if (p == null || p.none() != null || p.cache() != null || p.key() == null) return;
        if (!java.util.Objects.equals(p.jarIdentity(), JarDigest.identity(config.jar().toAbsolutePath()))) return;
        int n = trainings.merge(p.key(), 1, Integer::sum);
        if (n > MAX_TRAININGS) {
            if (n == MAX_TRAININGS + 1) log.info("cache: none for %s: %d training runs made no cache this JVM uses; workers start"
                    + " without one until the next start", config.jar().getFileName(), MAX_TRAININGS);
            return;
        }
        training = true;
        yielded = false;
        loop.offLoop(() -> train(config, p), made -> {
            training = false;
            trainer = null;
            if (made != null) prepared.put(config.jar().toAbsolutePath(), made);
        });
    }

    /** Extracts (a Boot jar) and trains; returns what workers now start from, or null when it failed (logged). */
    private Prepared train(AppConfig config, Prepared p) {
        Path partial = p.file().resolveSibling(p.key() + ".training" + p.jdk().kind().suffix);
        Path output = p.file().resolveSibling(p.key() + ".training.log");
        long began = System.nanoTime();
        try {
            Path run = p.runJar() != null ? p.runJar() : boot.extract(config.java(), config.jar().toAbsolutePath(), JarDigest.of(config.jar()));
            log.info("cache: training run of %s (%s, JDK %d) at idle priority; workers start without a cache until it is made",
                    run.getFileName(), p.jdk().kind().words, p.jdk().feature());
            if (yielded) throw new IOException("a change began");
            TrainingRun.run(config, p.jdk(), run, p.boot(), partial, output, agentJar, runtimeJar, proc -> {
                trainer = proc;
                if (yielded) TrainingRun.end(proc);
            });
            String digest = JarDigest.sha256(partial);
            Files.move(partial, p.file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(digestOf(p.file()), digest + " " + JarDigest.identity(p.file()) + "\n");
            Files.deleteIfExists(output);
            removeOthers(p.file());
            log.info("cache: %s ready, %d MiB, made in %d s: workers started from now on map it (%s)", p.jdk().kind().words,
                    Files.size(p.file()) >> 20, (System.nanoTime() - began) / 1_000_000_000L, p.file());
            return new Prepared(p.key(), p.jdk(), p.jarIdentity(), run, p.boot(), p.file(), p.file(), null);
        } catch (IOException e) {
            if (yielded) {
                trainings.merge(p.key(), -1, Integer::sum); // not a failed run: it runs again once the app settles
                log.info("cache: the training run of %s ended for a change (a reload or scale runs a worker beside another,"
                        + " in the room the heaps keep for one more JVM); it runs again once the app settles", config.jar().getFileName());
            } else {
                log.info("cache: the training run of %s made no cache (%s; its output: %s); workers start without one",
                        config.jar().getFileName(), e.getMessage(), output);
            }
            try {
                Files.deleteIfExists(partial);
                remove(p.file());
            } catch (IOException ignored) {
                // a full disk: what is left is removed by the next training run
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** One cache per app: running workers keep theirs mapped, a deleted file stays theirs. */
    private static void removeOthers(Path current) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(current.getParent())) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!f.equals(current) && !f.equals(digestOf(current)) && !name.endsWith(".log")) Files.deleteIfExists(f);
            }
        }
    }

    /**
     * A change begins (on the loop): a training run under way is one more JVM of the app, in the room
     * the heaps keep for the worker a change runs beside another (see {@code HeapSizing}); it ends
     * and gives the room to the change.
     */
    void makeRoom() {
        if (!training) return;
        yielded = true;
        Process p = trainer;
        if (p == null) return;
        // SIGKILL, and a short wait on the loop (a killed JVM is gone in milliseconds) so that it is gone before the change's JVM starts
        List<ProcessHandle> all = new java.util.ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + 500_000_000L;
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return; // still dying: the change goes on
            }
        }
    }

    /** Ends a training run under way (the primary stops). */
    public void close() {
        Process p = trainer;
        if (p != null) TrainingRun.end(p);
    }

    /** What {@code describe} shows of the cache for the workers of {@code status}: completed on the loop, read off it. */
    public java.util.concurrent.CompletableFuture<CacheStatus> status(AppConfig config, io.jcluster.cli.control.AppStatus status, Loop loop) {
        java.util.concurrent.CompletableFuture<CacheStatus> then = new java.util.concurrent.CompletableFuture<>();
        Map<Long, Integer> pids = new java.util.LinkedHashMap<>();
        for (io.jcluster.cli.control.WorkerStatus w : status.workers()) if (w.pid() > 0) pids.put(w.pid(), w.slot());
        for (io.jcluster.cli.control.WorkerStatus w : status.spares()) if (w.pid() > 0) pids.put(w.pid(), -1);
        loop.offLoop(() -> {
            try {
                return view(config, pids);
            } catch (RuntimeException e) {
                return new CacheStatus(null, "cannot be read: " + e, null, null, null);
            }
        }, then::complete);
        return then;
    }

    /** What {@code describe} shows of the cache (blocking: it reads /proc). */
    CacheStatus view(AppConfig config, Map<Long, Integer> workers) {
        Prepared p = prepared.get(config.jar().toAbsolutePath());
        String state;
        if (!config.aotCache().wanted()) state = "off (aot_cache = false)";
        else if (p == null) state = "being looked for";
        else if (p.none() != null) state = "none: " + p.none();
        else if (p.cache() != null) state = "ready";
        else if (training) state = "training" + (trainer == null ? "" : " (pid " + trainer.pid() + ", idle priority)");
        else state = "not made yet (a training run starts once every worker is ready)";
        Path file = p == null ? null : p.cache() != null ? p.cache() : p.file();
        Long size = null;
        try {
            if (file != null && Files.isRegularFile(file)) size = Files.size(file);
        } catch (IOException ignored) {
            // gone meanwhile
        }
        List<CacheStatus.Worker> list = new ArrayList<>();
        for (Map.Entry<Long, Integer> w : workers.entrySet()) {
            long pid = w.getKey();
            Boolean maps = file == null ? Boolean.FALSE : mapped(pid, file);
            list.add(new CacheStatus.Worker(w.getValue(), pid, maps, ProcessMemory.pssBytes(pid)));
        }
        return new CacheStatus(p == null || p.jdk() == null ? null : p.jdk().kind().words, state, file == null ? null : file.toString(),
                size, list);
    }
}
