package io.jcluster.cli.logs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of an app's log files in {@code $JCLUSTER_HOME/logs/<app>/}: {@code <slot>.log} (the
 * worker's stdout, and the primary's notes about the slot), {@code <slot>.err.log} (its stderr),
 * their rotated predecessors {@code <slot>.log.1} (newest) … {@code <slot>.log.N} (oldest), and
 * {@code primary.log}.
 */
public final class LogFiles {
    private static final Pattern CURRENT = Pattern.compile("(\\d+)\\.(log|err\\.log)");
    private static final Pattern ROTATED = Pattern.compile(".+\\.log\\.(\\d+)");

    private LogFiles() {}

    /** Which stream of a worker a file holds. */
    public enum Stream {
        OUT("log"), ERR("err.log");

        private final String suffix;

        Stream(String suffix) {
            this.suffix = suffix;
        }

        public String suffix() {
            return suffix;
        }
    }

    /** The current file of {@code slot}'s stream; slot -1: the warm spares' start-up ({@code spare.log}). */
    public static Path current(Path dir, int slot, Stream stream) {
        return dir.resolve((slot < 0 ? "spare" : Integer.toString(slot)) + "." + stream.suffix());
    }

    /** The {@code n}th rotated file of {@code current} (1 = the newest). */
    public static Path rotated(Path current, int n) {
        return current.resolveSibling(current.getFileName() + "." + n);
    }

    /** True for {@code 0.log.3}, {@code 1.err.log.1}, {@code primary.log.1}. */
    public static boolean isRotated(Path file) {
        return ROTATED.matcher(file.getFileName().toString()).matches();
    }

    /** The slots that have a current log file in {@code dir}, in order. */
    public static List<Integer> slots(Path dir) {
        TreeSet<Integer> slots = new TreeSet<>();
        for (Path p : list(dir)) {
            Matcher m = CURRENT.matcher(p.getFileName().toString());
            if (m.matches()) slots.add(Integer.parseInt(m.group(1)));
        }
        return new ArrayList<>(slots);
    }

    /** The regular files of {@code dir} (none when it does not exist). */
    public static List<Path> list(Path dir) {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) return files;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isRegularFile)) {
            for (Path p : s) files.add(p);
        } catch (IOException e) {
            // a directory removed under us has no files
        }
        return files;
    }

    /** Apps that have a log directory under {@code logsRoot}, sorted. */
    public static List<String> apps(Path logsRoot) {
        TreeSet<String> names = new TreeSet<>();
        if (!Files.isDirectory(logsRoot)) return new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(logsRoot, Files::isDirectory)) {
            for (Path p : s) names.add(p.getFileName().toString());
        } catch (IOException e) {
            // nothing to list
        }
        return new ArrayList<>(names);
    }
}
