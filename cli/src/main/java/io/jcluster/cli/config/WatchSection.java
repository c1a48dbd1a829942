package io.jcluster.cli.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code [watch]} table as written: paths relative to the config file's directory.
 *
 * @param enabled  watch at all (default: true when {@code paths} is set, else false; {@code --watch} turns it on)
 * @param paths    files or directories to watch (default: the jar and the config file)
 * @param interval how often they are looked at; a change must look the same twice in a row (default 1s)
 */
public record WatchSection(Boolean enabled, List<String> paths, Duration interval) {
    public static WatchSection defaults() {
        return new WatchSection(null, null, null);
    }
}
