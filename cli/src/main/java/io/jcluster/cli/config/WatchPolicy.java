package io.jcluster.cli.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Watch in force: when on, a change to one of {@code paths} that has settled (see
 * {@code io.jcluster.cli.host.WatchedFiles}) reloads the app.
 *
 * @param paths absolute, each existing when the config was loaded
 * @param interval the time between two looks
 */
public record WatchPolicy(boolean enabled, List<Path> paths, Duration interval) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);

    public WatchPolicy {
        paths = List.copyOf(paths);
        if (interval == null) interval = DEFAULT_INTERVAL;
    }

    public static WatchPolicy off() {
        return new WatchPolicy(false, List.of(), DEFAULT_INTERVAL);
    }
}
