package io.jcluster.cli.primary;

import io.jcluster.cli.config.AppConfig;
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
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Spring Boot fat jars for class-data sharing: the JVM cannot archive classes from the jars nested in
 * {@code BOOT-INF/lib}, so with {@code cds = true} a Boot jar is extracted the way Spring Boot
 * documents ({@code java -Djarmode=tools -jar app.jar extract --destination <dir>}: the app's jar
 * with a manifest {@code Class-Path} over {@code lib/}), and the workers run, and archive, that jar.
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

    /** What workers of a jar run: {@code jar} itself or its extracted jar, and whether cds may archive it. */
    record Layout(Path jar, boolean archivable) {}

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
    void prepare(AppConfig config) {
        if (!config.cds()) return;
        Path jar = config.jar().toAbsolutePath();
        try {
            if (!isBootJar(jar)) {
                layouts.put(jar, new Layout(jar, true));
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
            layouts.put(jar, new Layout(extracted, true));
            keepNewest(dest);
        } catch (IOException e) {
            layouts.put(jar, new Layout(jar, false));
            log.info("cds: cannot extract the Spring Boot jar %s (%s); workers run the fat jar without cds", jar, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            layouts.put(jar, new Layout(jar, false));
        }
    }

    /** What workers of {@code config} run, as the last {@link #prepare} found: the jar itself, archivable, when it never ran. */
    Layout layout(AppConfig config) {
        Path jar = config.jar().toAbsolutePath();
        Layout l = layouts.get(jar);
        if (l == null) return new Layout(config.jar(), true);
        return l;
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
