package io.jcluster.cli.host;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * The state of one app's {@code [watch]}: the baseline (what the running generation was started
 * from) and the last look. Not thread-safe: owned by one loop, fed a look every {@code [watch]
 * interval} (taken off the loop with {@link WatchedFiles#look}).
 *
 * <p>The rule that keeps it out of restart loops: once a reload has been started on a look, that
 * look is the baseline whether the reload succeeded or was rolled back, so a jar that fails is not
 * tried again until the files change again.
 */
public final class FileWatch {
    private final List<Path> paths;
    private final Predicate<Path> jarReads;
    private WatchedFiles.Look baseline;
    private WatchedFiles.Look previous;

    /** Watches {@code paths}, the running generation started from {@code baseline}. */
    public FileWatch(List<Path> paths, WatchedFiles.Look baseline, Predicate<Path> jarReads) {
        this.paths = List.copyOf(paths);
        this.baseline = baseline;
        this.jarReads = jarReads;
    }

    /** Watches {@code paths} from how they are now, reading jars with {@link io.jcluster.cli.config.AppJar#readable}. */
    public static FileWatch startingNow(List<Path> paths) {
        return new FileWatch(paths, WatchedFiles.look(paths), io.jcluster.cli.config.AppJar::readable);
    }

    public List<Path> paths() {
        return paths;
    }

    /**
     * Takes {@code look} in: {@link WatchedFiles.Verdict#SETTLED} means "reload now" (then call
     * {@link #reloadStarted}); the other verdicts mean nothing to do yet.
     */
    public WatchedFiles.Verdict observe(WatchedFiles.Look look) {
        WatchedFiles.Verdict v = WatchedFiles.verdict(baseline, previous, look, jarReads);
        previous = look;
        return v;
    }

    /** A reload started on {@code look} (the last one observed): it is the baseline from now on, whatever the reload's outcome. */
    public void reloadStarted(WatchedFiles.Look look) {
        baseline = look;
    }
}
