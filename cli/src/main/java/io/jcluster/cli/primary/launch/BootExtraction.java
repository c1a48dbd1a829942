package io.jcluster.cli.primary.launch;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.FrameworkEnv;
import io.jcluster.cli.config.HeapSizing;
import io.jcluster.cli.primary.supervisor.PrimaryLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Spring Boot fat jars for class-data sharing: the JVM cannot archive classes from the jars nested in
 * {@code BOOT-INF/lib}, so with {@code cds = true} a Boot jar is extracted the way Spring Boot
 * documents ({@code java -Djarmode=tools -jar app.jar extract --destination <dir>}: the app's jar
 * with a manifest {@code Class-Path} over {@code lib/}), and the workers run, and archive, that jar.
 *
 * <p>Its archive comes from the training run Spring Boot documents ({@link #train}), before the first
 * worker starts.
 *
 * <p>Extractions live in {@code $JCLUSTER_HOME/cache/<app>/boot/<hash>/}, keyed on the fat jar's
 * content (SHA-256), so a new jar is extracted again and an unchanged one is reused across starts.
 * The newest two are kept: workers of the previous generation may still load classes from theirs.
 *
 * <p>Threading: {@link #prepare} blocks (it hashes the jar and may run a JVM): call it off the
 * supervisor loop or before the first worker starts. {@link #layout} only reads what it found, from
 * any thread.
 */
final class BootExtraction {
    /** The longest an extraction may take before it counts as failed. */
    static final Duration TIMEOUT = Duration.ofMinutes(2);

    /** The longest a training run may take. */
    static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(3);

    /**
     * What workers of a jar run: {@code jar} itself or its extracted jar, whether cds may archive it, and
     * the archive a training run made of it (null when there is none: the first worker makes one).
     */
    record Layout(Path jar, boolean archivable, Path trained) {}

    private final Path dir;
    private final PrimaryLog log;
    /** The fat jar (absolute) → its layout, as the last {@link #prepare} found it. */
    private final Map<Path, Layout> layouts = new ConcurrentHashMap<>();

    BootExtraction(Path dir, PrimaryLog log) {
        this.dir = dir;
        this.log = log;
    }

    /** Whether {@code jar} is a Spring Boot executable jar (it has {@code BOOT-INF/}). */
    static boolean isBootJar(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.getEntry("BOOT-INF/") != null || zip.getEntry("BOOT-INF/classes/") != null;
        }
    }

    /**
     * Finds what workers of {@code config} run, extracting a Boot jar when cds is on and it is not yet
     * extracted. A failure is logged with its cause; the workers then run the fat jar without cds.
     */
    void prepare(AppConfig config, Function<Path, Path> archiveOf) {
        if (!config.cds()) return;
        Path jar = config.jar().toAbsolutePath();
        try {
            if (!isBootJar(jar)) {
                layouts.put(jar, new Layout(jar, true, null));
                return;
            }
            Path dest = dir.resolve(hash(jar));
            Path extracted = dest.resolve(jar.getFileName());
            if (Files.isRegularFile(extracted)) {
                log.info("cds: %s is a Spring Boot jar; workers run its extracted layout %s", jar.getFileName(), dest);
            } else {
                long began = System.nanoTime();
                extract(config.java(), jar, dest);
                if (!Files.isRegularFile(extracted)) throw new IOException("the extraction made no " + extracted);
                log.info("cds: %s is a Spring Boot jar (nested jars cannot be archived): extracted to %s in %d ms; workers run"
                        + " that layout", jar.getFileName(), dest, (System.nanoTime() - began) / 1_000_000);
            }
            keepNewest(dest);
            layouts.put(jar, new Layout(extracted, true, train(config, extracted, archiveOf.apply(extracted))));
        } catch (IOException e) {
            layouts.put(jar, new Layout(jar, false, null));
            log.info("cds: cannot extract the Spring Boot jar %s (%s); workers run the fat jar without cds", jar, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            layouts.put(jar, new Layout(jar, false, null));
        }
    }

    /**
     * The training run Spring Boot documents: the extracted jar with {@code -Dspring.context.exit=onRefresh}
     * (the context is refreshed, every singleton made, and the JVM exits before the web server listens)
     * and {@code -XX:ArchiveClassesAtExit}. It runs without jcluster's agent, so the archive needs no
     * {@code AllowArchivingWithJavaAgent} (a diagnostic flag whose "testing purposes only" warning every
     * worker would print), and even the first worker starts from it. Returns the archive, or null when the
     * run fails (logged; the first worker then writes the archive as for any jar).
     */
    private Path train(AppConfig config, Path extracted, Path archive) throws InterruptedException {
        if (Files.isRegularFile(archive)) return archive;
        Path partial = archive.resolveSibling(archive.getFileName() + ".training");
        Path output = archive.resolveSibling(archive.getFileName() + ".training.log");
        List<String> command = new ArrayList<>();
        command.add(config.java().toString());
        command.addAll(HeapSizing.args(config.jvmArgs(), config.jvms()));
        command.addAll(config.jvmArgs());
        command.addAll(List.of("-XX:ArchiveClassesAtExit=" + partial, "-Dspring.context.exit=onRefresh",
                "-Xlog:cds=error", "-Xlog:cds+dynamic=error", "-jar", extracted.toString()));
        command.addAll(config.args());
        long began = System.nanoTime();
        try {
            Files.createDirectories(archive.getParent());
            Files.deleteIfExists(partial);
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(config.workDir().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            // the app's environment, with port 0 should anything listen before the exit
            pb.environment().putAll(FrameworkEnv.defaults(0, config.env()));
            pb.environment().putAll(config.env());
            Process p = pb.start();
            try {
                if (!p.waitFor(TRAINING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IOException("it took more than " + TRAINING_TIMEOUT.toSeconds() + " s");
                }
                if (p.exitValue() != 0) throw new IOException("it exited with " + p.exitValue() + ": " + lastLine(output));
            } finally {
                if (p.isAlive()) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            }
            if (!Files.isRegularFile(partial) || Files.size(partial) == 0) throw new IOException("it wrote no archive: " + lastLine(output));
            Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(output);
            // one archive per app: running workers keep theirs mapped, a deleted file stays theirs
            try (DirectoryStream<Path> old = Files.newDirectoryStream(archive.getParent(), "*.jsa")) {
                for (Path f : old) {
                    if (!f.equals(archive)) Files.deleteIfExists(f);
                }
            }
            log.info("cds: training run of %s (spring.context.exit=onRefresh) wrote the class-data archive (%d KiB) in %d ms;"
                    + " every worker starts from it", extracted.getFileName(), Files.size(archive) / 1024, (System.nanoTime() - began) / 1_000_000);
            return archive;
        } catch (IOException e) {
            log.info("cds: the training run of %s failed (%s; its output: %s); the first worker writes the archive instead",
                    extracted, e.getMessage(), output);
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // a leftover .training file is overwritten by the next run
            }
            return null;
        }
    }

    /** What workers of {@code config} run, as the last {@link #prepare} found: the jar itself, archivable, when it never ran. */
    Layout layout(AppConfig config) {
        Path jar = config.jar().toAbsolutePath();
        Layout l = layouts.get(jar);
        return l != null ? l : new Layout(config.jar(), true, null);
    }

    private void extract(Path java, Path jar, Path dest) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path partial = dest.resolveSibling(dest.getFileName() + ".partial");
        Path output = dest.resolveSibling(dest.getFileName() + ".log");
        deleteTree(partial); // the tool refuses a destination that is not empty
        Process p = new ProcessBuilder(java.toString(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination",
                partial.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("java -Djarmode=tools ... extract took more than " + TIMEOUT.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("java -Djarmode=tools ... extract exited with " + p.exitValue() + ": " + lastLine(output));
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
        deleteTree(dest);
        Files.move(partial, dest, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(output);
    }

    private static String lastLine(Path output) {
        try {
            List<String> lines = Files.readAllLines(output).stream().filter(l -> !l.isBlank()).toList();
            return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "no output";
        }
    }

    /** Removes extractions older than {@code current} and the one before it (previous-generation workers may use that). */
    private void keepNewest(Path current) throws IOException {
        List<Path> others = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path e : entries) {
                if (!e.equals(current) && !e.getFileName().toString().endsWith(".partial")) others.add(e);
            }
        }
        others.sort(Comparator.comparing(BootExtraction::modified).reversed());
        for (Path old : others.subList(Math.min(1, others.size()), others.size())) deleteTree(old);
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** The first 16 hex digits of the SHA-256 of {@code jar}'s bytes. */
    static String hash(Path jar) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(jar), sha)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
