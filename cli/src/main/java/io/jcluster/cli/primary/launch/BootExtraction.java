package io.jcluster.cli.primary.launch;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Spring Boot fat jars for the cache: the JVM cannot cache classes from the jars nested in
 * {@code BOOT-INF/lib}, so a Boot jar is extracted the way Spring Boot documents ({@code java
 * -Djarmode=tools -jar app.jar extract --destination <dir>}: the app's jar with a manifest
 * {@code Class-Path} over {@code lib/}), and workers that start from the cache run that jar.
 *
 * <p>Extractions live in {@code $JCLUSTER_HOME/cache/<app>/boot/<digest>/}, keyed on the fat jar's
 * content, so a new jar is extracted again and an unchanged one is reused across starts. The newest
 * two are kept: workers of the previous generation may still load classes from theirs. The
 * extraction runs at idle priority ({@link TrainingRun#idle()}): it never slows a worker.
 *
 * <p>Blocking: call it off the supervisor loop.
 */
final class BootExtraction {
    /** The longest an extraction may take before it counts as failed (at idle priority, on a busy machine). */
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final Path dir;

    BootExtraction(Path dir) {
        this.dir = dir;
    }

    /** Whether {@code jar} is a Spring Boot executable jar (it has {@code BOOT-INF/}). */
    static boolean isBootJar(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.getEntry("BOOT-INF/") != null || zip.getEntry("BOOT-INF/classes/") != null;
        }
    }

    /** Where the extraction of a jar of content {@code digest} is, or null when it is not (yet) there. */
    Path existing(Path jar, String digest) {
        Path extracted = dir.resolve(digest.substring(0, 16)).resolve(jar.getFileName());
        return Files.isRegularFile(extracted) ? extracted : null;
    }

    /** The extracted jar of {@code jar} (content {@code digest}), extracting it first when needed. */
    Path extract(Path java, Path jar, String digest) throws IOException, InterruptedException {
        Path found = existing(jar, digest);
        if (found != null) return found;
        Path dest = dir.resolve(digest.substring(0, 16));
        Files.createDirectories(dir);
        Path partial = dest.resolveSibling(dest.getFileName() + ".partial");
        Path output = dest.resolveSibling(dest.getFileName() + ".log");
        deleteTree(partial); // the tool refuses a destination that is not empty
        List<String> command = new ArrayList<>(TrainingRun.idle());
        command.addAll(List.of(java.toString(), "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination", partial.toString()));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("java -Djarmode=tools ... extract took more than " + TIMEOUT.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("java -Djarmode=tools ... extract exited with " + p.exitValue() + ": " + TrainingRun.lastLine(output));
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
        Path extracted = partial.resolve(jar.getFileName());
        if (!Files.isRegularFile(extracted)) throw new IOException("the extraction made no " + jar.getFileName());
        deleteTree(dest);
        Files.move(partial, dest, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(output);
        keepNewest(dest);
        return dest.resolve(jar.getFileName());
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
}
