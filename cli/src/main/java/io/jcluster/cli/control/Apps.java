package io.jcluster.cli.control;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.host.Liveness;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The apps of a jcluster home, found from {@code run/<app>/}, and the clean-up of run directories
 * whose primary is gone.
 */
public final class Apps {
    private Apps() {}

    /** Names of the apps that have a run directory, sorted. */
    public static List<String> names(Home home) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(home.runRoot())) return names;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(home.runRoot(), Files::isDirectory)) {
            for (Path d : dirs) names.add(d.getFileName().toString());
        } catch (IOException e) {
            return names;
        }
        names.sort(Comparator.naturalOrder());
        return names;
    }

    /** The pid recorded for {@code app}'s primary, if any. */
    public static Optional<Long> primaryPid(Home home, String app) {
        try {
            return Optional.of(Long.parseLong(Files.readString(home.pidFile(app)).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True when {@code app}'s recorded primary is a live process (not a zombie init has yet to reap). */
    public static boolean primaryAlive(Home home, String app) {
        return primaryPid(home, app).flatMap(ProcessHandle::of).map(Liveness::running).orElse(false); // a zombie is no primary
    }

    /**
     * Connects to {@code app}'s primary. When nothing answers and its recorded primary is dead, the
     * stale run directory is removed.
     */
    public static ControlClient connect(Home home, String app) throws IOException {
        try {
            return ControlClient.connect(home.controlSocket(app));
        } catch (AppNotRunningException e) {
            if (!primaryAlive(home, app)) {
                removeRunDir(home, app);
                throw new AppNotRunningException("app '" + app + "' is not running");
            }
            throw new AppNotRunningException("app '" + app + "' has a live primary (pid "
                    + primaryPid(home, app).orElse(0L) + ") that does not answer on its control socket; see "
                    + home.primaryLog(app));
        }
    }

    /** Deletes {@code app}'s run directory (sockets, pid file); its logs stay. */
    public static void removeRunDir(Home home, String app) {
        Path dir = home.runDir(app);
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a later command retries
        }
    }
}
