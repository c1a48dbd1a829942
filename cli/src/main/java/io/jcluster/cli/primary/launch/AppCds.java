package io.jcluster.cli.primary.launch;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.primary.supervisor.Loop;
import io.jcluster.cli.primary.supervisor.PrimaryLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A class-data archive per app jar ({@code [app] cds = true}): workers start faster because the
 * JVM maps the app's classes, already parsed and verified, instead of loading them from the jar.
 *
 * <p>While there is no archive, one worker at a time runs with {@code -XX:ArchiveClassesAtExit}:
 * the JVM writes the classes it loaded when it exits (a stop, a reload, SIGTERM; not SIGKILL), and
 * the archive is published when that worker has exited on its own. Every later worker, of this
 * primary or of a later start, runs with {@code -XX:SharedArchiveFile}. The file name is a hash of
 * everything the JVM checks the archive against (the jar's path, size and time, the java and its
 * runtime image, the JVM arguments, the agent jar), so a new jar or another java simply makes a new
 * archive; a stale one would only be ignored by the JVM. Archives live in
 * {@code $JCLUSTER_HOME/cache/<app>/cds/}, one per app: a new one replaces the others.
 *
 * <p>Dump and use run with the same flags (the JVM refuses an archive otherwise, silently):
 * {@link #AGENT} in both, the same heap sizing, jvm_args and class path ({@code -jar} plus the agent
 * jar the JVM appends). A Spring Boot jar runs from its extracted layout ({@link BootExtraction}).
 *
 * <p>Apps whose {@code jvm_args} add agents of their own get no archive: such agents may transform
 * classes, and an archive would keep their output (see {@link #refusal(AppConfig)}).
 *
 * <p>Confined to the primary's supervisor thread, but for {@link #prepare}, which blocks and runs off it.
 */
public final class AppCds {
    /** Dumping attempts per primary: a dump that keeps failing is not retried forever. */
    private static final int MAX_ATTEMPTS = 3;
    /** The least time the archive-writing worker gets between SIGTERM and SIGKILL. */
    static final Duration DUMP_GRACE = Duration.ofSeconds(30);
    /** Archive warnings (classes it skips) would fill every worker's log; errors still show. */
    private static final List<String> QUIET = List.of("-Xlog:cds=error", "-Xlog:cds+dynamic=error");
    /**
     * Archiving with a {@code -javaagent} (every worker runs jcluster's). The JVM records the setting
     * in the archive and, with {@code -Xshare:auto}, silently maps nothing but the JDK's own
     * {@code classes.jsa} when a later JVM runs without it: the dump and every use pass it.
     */
    static final List<String> AGENT = List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+AllowArchivingWithJavaAgent");

    private final Path dir;
    private final Path agentJar;
    private final PrimaryLog log;
    private final BootExtraction boot;
    /** The worker making an archive, 0 when none, and the archive it makes. */
    private long dumperPid;
    private Path dumping;
    private int attempts;
    private String lastRefusal;
    /** Workers started from an archive and not yet checked: pid → the archive. */
    private final Map<Long, Path> using = new HashMap<>();

    public AppCds(Path dir, Path bootDir, Path agentJar, PrimaryLog log) {
        this.dir = dir;
        this.agentJar = agentJar;
        this.log = log;
        this.boot = new BootExtraction(bootDir, log);
    }

    /** Why {@code config} cannot have an archive, or null when it can. */
    static String refusal(AppConfig config) {
        for (String a : config.jvmArgs()) {
            if (a.startsWith("-javaagent:") || a.startsWith("-agentlib:") || a.startsWith("-agentpath:")) {
                return "jvm_args load an agent (" + a.split("[:=]", 2)[0] + "), whose class transformations an archive"
                        + " would keep; cds stays off";
            }
            if (a.startsWith("-XX:SharedArchiveFile") || a.startsWith("-XX:ArchiveClassesAtExit") || a.startsWith("-Xshare:off")) {
                return "jvm_args already choose class sharing (" + a + "); cds stays off";
            }
        }
        return null;
    }

    /** Where the archive for workers of {@code config} that run {@code jar} is (or will be). */
    Path archive(AppConfig config, Path jar) {
        return dir.resolve(key(config, jar, agentJar) + ".jsa");
    }

    /**
     * Blocking (it may extract a Spring Boot jar): off the supervisor loop, or before the first worker.
     * Thread-safe.
     */
    public void prepare(AppConfig config) {
        if (!config.cds() || refusal(config) != null) return;
        boot.prepare(config, jar -> trainedArchive(config, jar));
    }

    /** Where a training run's archive of {@code jar} goes: apart from a worker's, whose flags differ. */
    private Path trainedArchive(AppConfig config, Path jar) {
        return dir.resolve(key(config, jar, agentJar) + "-trained.jsa");
    }

    /** What a worker runs: the jar for {@code -jar} and the class-sharing arguments. */
    record Launch(Path jar, List<String> jvmArgs) {}

    /**
     * What the next worker of {@code config} runs (a reload may bring a new jar): the app's jar, or
     * the extracted layout of a Spring Boot jar ({@link BootExtraction}), with the JVM arguments that
     * use its archive, make it, or nothing while another worker makes one or when cds is off.
     */
    Launch launch(AppConfig config) {
        List<String> args = new ArrayList<>();
        if (!config.cds()) return new Launch(config.jar(), args);
        String refusal = refusal(config);
        if (refusal != null) {
            if (!refusal.equals(lastRefusal)) log.info("cds: %s", refusal);
            lastRefusal = refusal;
            return new Launch(config.jar(), args);
        }
        BootExtraction.Layout layout = boot.layout(config);
        if (!layout.archivable()) return new Launch(config.jar(), args); // a Boot jar that could not be extracted
        Path jar = layout.jar();
        if (layout.trained() != null && Files.isRegularFile(layout.trained())) {
            // made by a training run without the agent: nothing to repeat at use
            args.add("-XX:SharedArchiveFile=" + layout.trained());
            args.addAll(QUIET);
            return new Launch(jar, args);
        }
        Path archive = archive(config, jar);
        if (Files.isRegularFile(archive)) {
            // the same setting as the dump: the JVM refuses an archive made with it unless it is on again
            args.addAll(AGENT);
            args.add("-XX:SharedArchiveFile=" + archive);
        } else if (dumperPid == 0 && attempts < MAX_ATTEMPTS) {
            // jcluster's own agent transforms no class, so what the worker loads is the app as it is
            args.addAll(AGENT);
            args.add("-XX:ArchiveClassesAtExit=" + partial(archive));
        } else {
            return new Launch(jar, args);
        }
        args.addAll(QUIET);
        return new Launch(jar, args);
    }

    /** A worker started with {@code args} (from {@link #launch}) as {@code pid}. */
    void spawned(long pid, List<String> args) {
        for (String a : args) {
            if (a.startsWith("-XX:SharedArchiveFile=")) using.put(pid, Path.of(a.substring("-XX:SharedArchiveFile=".length())));
        }
        for (String a : args) {
            if (!a.startsWith("-XX:ArchiveClassesAtExit=")) continue;
            Path partial = Path.of(a.substring("-XX:ArchiveClassesAtExit=".length()));
            String name = partial.getFileName().toString();
            dumping = partial.resolveSibling(name.substring(0, name.length() - ".partial".length()));
            dumperPid = pid;
            attempts++;
            try {
                Files.createDirectories(dir);
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                log.info("cds: cannot prepare %s: %s", dir, e.getMessage());
            }
            log.info("cds: worker pid %d writes the class-data archive of this jar when it exits (%s)", pid, dumping);
        }
    }

    private static Path partial(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".partial");
    }

    /**
     * How long {@code pid} may take to exit after SIGTERM: the worker that writes the archive does
     * it on its way out, which can take seconds on a busy machine, so it gets at least {@link #DUMP_GRACE}.
     */
    Duration stopGrace(long pid, Duration stopTimeout) {
        return pid == dumperPid && stopTimeout.compareTo(DUMP_GRACE) < 0 ? DUMP_GRACE : stopTimeout;
    }

    /**
     * {@code pid} is ready: if it was given an archive, check (off the loop) that its JVM mapped it.
     * With {@code -Xshare:auto} a JVM that refuses an archive says so only at {@code -Xlog:cds=info}
     * and runs on without it; the primary says so, and removes that archive, so that the next worker
     * makes a new one (at most {@link #MAX_ATTEMPTS} times).
     */
    void ready(long pid, Loop loop) {
        Path archive = using.remove(pid);
        if (archive == null) return;
        loop.offLoop(() -> mapped(pid, archive), mapped -> {
            if (mapped == null || mapped) return; // gone meanwhile, or mapped
            log.info("cds: worker pid %d did not map its class-data archive %s: its JVM refused it (add \"-Xlog:cds\" to"
                    + " jvm_args to see why); the archive is removed and the next worker makes a new one", pid, archive);
            try {
                Files.deleteIfExists(archive);
            } catch (IOException e) {
                log.info("cds: cannot remove %s: %s", archive, e.getMessage());
            }
        });
    }

    /** Whether {@code pid} maps {@code archive}; null when the process is gone. */
    static Boolean mapped(long pid, Path archive) {
        try {
            String maps = Files.readString(Path.of("/proc", Long.toString(pid), "maps"));
            if (maps.contains(archive.toString())) return true;
            return Files.exists(archive) && maps.contains(archive.toRealPath().toString()); // maps name the real path
        } catch (IOException e) {
            return null;
        }
    }

    /** A worker exited with {@code code}: if it was making the archive and exited on its own, publish it. */
    void exited(long pid, int code) {
        using.remove(pid);
        if (pid != dumperPid) return;
        dumperPid = 0;
        Path archive = dumping;
        Path partial = partial(archive);
        try {
            boolean complete = code != 128 + 9 && Files.isRegularFile(partial) && Files.size(partial) > 0;
            if (!complete) {
                Files.deleteIfExists(partial);
                log.info("cds: worker pid %d exited (code %d) without a complete class-data archive; the next worker tries again",
                        pid, code);
                return;
            }
            Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.info("cds: class-data archive ready (%d KiB): later workers start from it", Files.size(archive) / 1024);
            removeOthers(archive);
        } catch (IOException e) {
            log.info("cds: cannot publish the class-data archive %s: %s", archive, e.getMessage());
        }
    }

    private void removeOthers(Path archive) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.jsa")) {
            for (Path f : files) {
                if (!f.equals(archive)) Files.deleteIfExists(f);
            }
        }
    }

    /** A hash of what the JVM validates an archive against. */
    static String key(AppConfig config, Path jar, Path agentJar) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            List<String> parts = new ArrayList<>();
            parts.add(fileStamp(jar));
            Path java = config.java();
            try {
                java = java.toRealPath();
            } catch (IOException ignored) {
                // the path as given
            }
            parts.add(java.toString());
            Path home = java.getParent() == null ? null : java.getParent().getParent();
            if (home != null) parts.add(fileStamp(home.resolve("lib/modules")));
            parts.addAll(config.jvmArgs());
            parts.add(fileStamp(agentJar));
            for (String p : parts) sha.update((p + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fileStamp(Path p) {
        try {
            return p.toAbsolutePath() + " " + Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return p.toAbsolutePath() + " missing";
        }
    }
}
