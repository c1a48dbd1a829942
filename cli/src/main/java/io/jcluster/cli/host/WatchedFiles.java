package io.jcluster.cli.host;

import io.jcluster.cli.config.AppJar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What {@code [watch]} sees of its paths, and when a change may be acted on. A look records the
 * size and modification time of every file (a directory stands for the regular files under it);
 * a change is {@link Verdict#SETTLED} only when two looks in a row agree and every {@code .jar} of
 * it reads to the end of its zip central directory, so a reload never starts on a half-copied jar.
 *
 * <p>The caller keeps a baseline: the look its running generation started from. After a reload
 * that failed, the baseline becomes the look that failed, so nothing is tried again until the files
 * change again (no restart loop). {@link #look} reads the file system and belongs off the event
 * loop; {@link #verdict} is a plain function.
 */
public final class WatchedFiles {
    private WatchedFiles() {}

    /** One file's size and modification time. */
    public record Stamp(long size, long modifiedMillis) {}

    /** Every watched file at one moment: path → stamp; a path that is missing has no entry. */
    public record Look(Map<Path, Stamp> files) {
        public Look {
            files = Map.copyOf(files);
        }
    }

    /** What to do about a look. */
    public enum Verdict {
        /** The same as the baseline: nothing to do. */
        UNCHANGED,
        /** Changed, but still moving (or a jar that does not read yet): look again. */
        SETTLING,
        /** Changed, and settled: reload. */
        SETTLED
    }

    /** Looks at {@code paths} now. */
    public static Look look(List<Path> paths) {
        Map<Path, Stamp> files = new LinkedHashMap<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile).sorted().forEach(f -> stamp(f, files));
                } catch (IOException | RuntimeException e) {
                    // a directory that vanished mid-walk: what was read stands, the next look sees the rest
                }
            } else {
                stamp(p, files);
            }
        }
        return new Look(files);
    }

    private static void stamp(Path file, Map<Path, Stamp> into) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            into.put(file, new Stamp(a.size(), a.lastModifiedTime().toMillis()));
        } catch (IOException e) {
            // missing: no entry
        }
    }

    /**
     * The verdict on {@code current}, given the look before it ({@code previous}, null for none)
     * and the {@code baseline}. {@code jarReads} says whether a jar's zip directory reads (in
     * production {@link AppJar#readable}).
     */
    public static Verdict verdict(Look baseline, Look previous, Look current, java.util.function.Predicate<Path> jarReads) {
        if (current.equals(baseline)) return Verdict.UNCHANGED;
        if (previous == null || !previous.equals(current)) return Verdict.SETTLING;
        for (Map.Entry<Path, Stamp> e : current.files().entrySet()) {
            Stamp before = baseline.files().get(e.getKey());
            boolean changed = !e.getValue().equals(before);
            if (changed && e.getKey().getFileName().toString().endsWith(".jar") && !jarReads.test(e.getKey())) {
                return Verdict.SETTLING;
            }
        }
        return Verdict.SETTLED;
    }

    /** {@link #verdict(Look, Look, Look, java.util.function.Predicate)} reading jars with {@link AppJar#readable}. */
    public static Verdict verdict(Look baseline, Look previous, Look current) {
        return verdict(baseline, previous, current, AppJar::readable);
    }
}
