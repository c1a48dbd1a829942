package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import io.jcluster.cli.logs.PrimaryLog;
import io.jcluster.cli.metrics.AppMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An app's supervisor on a {@link ManualLoop} and a {@link FakeLauncher}, for the unit tests of the
 * rooms above the supervisor: no JVM is started and nothing sleeps.
 */
public final class SupervisedApp {
    public final ManualLoop loop;
    public final FakeLauncher launcher;
    private final ByteArrayOutputStream logBytes;
    public final Supervisor app;

    public SupervisedApp(AppConfig config) {
        this(config, new ManualLoop(), new FakeLauncher(), new ByteArrayOutputStream());
    }

    /** On the test's own loop and launcher, logging into {@code logBytes}. */
    SupervisedApp(AppConfig config, ManualLoop loop, FakeLauncher launcher, ByteArrayOutputStream logBytes) {
        this.loop = loop;
        this.launcher = launcher;
        this.logBytes = logBytes;
        PrimaryLog log = new PrimaryLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), config.name());
        app = new Supervisor(loop, log, launcher, new PortGate(log),
                new MetricsFeed(new AppMetrics(config.name(), Duration.ofSeconds(1)), log), config);
        loop.reconcileWith(app::reconcile);
    }

    /**
     * The config of app "unit", 2 slots on {@code port} with {@code listen = "self"} (no socket is
     * opened), a jar in {@code dir}, and {@code extra} at the end of its file.
     */
    public static AppConfig config(Path dir, int port, String extra) throws Exception {
        return config(dir, """
                port = %d
                listen = "self"
                """.formatted(port), """
                [reload]
                ready = "call"
                ready_timeout = "5s"
                drain_timeout = "2s"
                stop_timeout = "3s"
                """ + extra);
    }

    /**
     * The config of app "unit" of 2 slots and a jar in {@code dir}: {@code appLines} end its
     * {@code [app]} table, {@code tables} follow it.
     */
    static AppConfig config(Path dir, String appLines, String tables) throws Exception {
        Files.writeString(dir.resolve("app.jar"), "");
        Path file = dir.resolve("jcluster.toml");
        Files.writeString(file, """
                [app]
                name = "unit"
                jar = "app.jar"
                instances = 2
                """ + appLines + tables);
        return ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), dir.toString()));
    }

    /** Opens the slots and starts a worker on each, as a primary's start does. */
    public SupervisedApp started() throws IOException {
        app.openSlots(List.of());
        loop.execute(app::startAll);
        loop.runDue();
        return this;
    }

    /** Marks every starting worker ready, as its {@code JCluster.ready()} call would. */
    public void allReady() {
        for (Worker w : List.copyOf(app.workers())) {
            if (w.state() == WorkerState.STARTING) loop.execute(() -> app.ready(w, "test"));
        }
        loop.runDue();
    }

    public Worker workerOf(int slot) {
        return app.slots().get(slot).worker();
    }

    /** The fake process of {@code w}. */
    public static FakeLauncher.FakeProcess process(Worker w) {
        return (FakeLauncher.FakeProcess) w.process();
    }

    /** What the primary logged so far. */
    public String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }
}
