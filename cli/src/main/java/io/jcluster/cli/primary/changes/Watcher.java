package io.jcluster.cli.primary.changes;

import io.jcluster.cli.config.WatchPolicy;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.host.FileWatch;
import io.jcluster.cli.host.WatchedFiles;
import io.jcluster.cli.primary.supervisor.Supervisor;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@code [watch]}: a rolling reload once a watched file (the jar, the config) has changed and
 * settled. The looks at the files run off the loop. A reload that fails or rolls back keeps the
 * running generation, and its files are the baseline from then on, so nothing is tried again until
 * they change again: no restart loop. Loop only.
 */
public final class Watcher {
    private final Supervisor app;
    private final Function<java.util.function.Consumer<String>, CompletableFuture<AppStatus>> reload;
    private FileWatch watch;
    private Instant nextLook = Instant.MIN;
    private boolean looking;

    /** {@code reload} starts a reload as {@code jcluster reload} does (the config file read again). */
    public Watcher(Supervisor app, Function<java.util.function.Consumer<String>, CompletableFuture<AppStatus>> reload) {
        this.app = app;
        this.reload = reload;
    }

    public void tick() {
        WatchPolicy policy = app.config().watch();
        if (!policy.enabled() || app.stopping() || looking) return;
        Instant now = app.loop.now();
        if (now.isBefore(nextLook)) return;
        nextLook = now.plus(policy.interval().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ZERO : policy.interval());
        looking = true;
        app.loop.offLoop(() -> {
            if (watch == null) watch = FileWatch.startingNow(policy.paths()); // the first look is the baseline
            return WatchedFiles.look(watch.paths());
        }, look -> {
            looking = false;
            if (watch.observe(look) != WatchedFiles.Verdict.SETTLED) return;
            if (app.change() != null) return; // not now: the next look tries again (the baseline has not moved)
            watch.reloadStarted(look);
            app.log.info("watch: %s changed and settled: reloading", watch.paths());
            reload.apply(step -> app.log.info("watch reload: %s", step)).whenComplete((s, e) -> {
                if (e != null) app.log.info("watch reload failed, the running generation stays until the files change again: %s",
                        SlotReplacement.cause(e).getMessage());
            });
        });
    }
}
