package io.jcluster.cli.primary.supervisor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.HeapSizing;
import io.jcluster.cli.control.AppStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the supervisor's unit tests share: the app "unit" as a {@link SupervisedApp} on a
 * {@link ManualLoop} and a {@link FakeLauncher}, its config, and the steps the tests take with it.
 * No JVM is started and nothing sleeps.
 */
abstract class SupervisorFixture {
    @TempDir
    Path dir;
    final ManualLoop loop = new ManualLoop();
    final FakeLauncher launcher = new FakeLauncher();
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    Supervisor app;
    private SupervisedApp s;
    /** {@code [reload] warmup} of the next {@link #config}: none, unless a test is about it. */
    String warmup = "0s";

    AppConfig config(String extra) throws Exception {
        return config("", extra);
    }

    /** {@code restart} goes into the {@code [restart]} table, {@code extra} at the end (the {@code [health]} table). */
    AppConfig config(String restart, String extra) throws Exception {
        return SupervisedApp.config(dir, 18080, """
                warmup = "%s"
                [restart]
                backoff_initial = "100ms"
                backoff_max = "1s"
                max_failures = 3
                failure_window = "1m"
                min_uptime = "1s"
                stable_after = "30s"
                """.formatted(warmup) + restart + """
                [health]
                heartbeat_timeout = "10s"
                """ + extra);
    }

    Supervisor start(AppConfig config) throws Exception {
        s = new SupervisedApp(config, loop, launcher, logBytes).started();
        app = s.app;
        return app;
    }

    String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    void allReady() {
        s.allReady();
    }

    Worker workerOf(int slot) {
        return s.workerOf(slot);
    }

    /** The fake process of slot {@code slot}'s worker. */
    FakeLauncher.FakeProcess processOf(int slot) {
        return SupervisedApp.process(workerOf(slot));
    }

    AppStatus status() {
        return app.status().snapshot();
    }

    /** Gives every worker that has none an agent connection (an embedded channel that keeps what the primary sends). */
    void agentsConnected() {
        for (Worker w : app.workers()) {
            if (w.channel() == null) w.channel(new EmbeddedChannel());
        }
    }

    /** What the primary sent to {@code w}'s agent so far, frames as text. */
    static String sent(Worker w) {
        StringBuilder text = new StringBuilder();
        EmbeddedChannel ch = (EmbeddedChannel) w.channel();
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) text.append(b.toString(StandardCharsets.UTF_8));
        return text.toString();
    }

    /** The heap share a worker of {@code config} is started with. */
    static double share(AppConfig config) {
        return HeapSizing.percent(config.jvms());
    }

    /** Lets {@code change} run to its end (workers ready, drains over); returns the largest sum of the live JVMs' shares seen. */
    double settle(CompletableFuture<AppStatus> change) {
        double most = 0;
        for (int i = 0; i < 50 && !change.isDone(); i++) {
            most = Math.max(most, app.workers().stream().mapToDouble(w -> share(w.config())).sum());
            allReady();
            loop.advance(Duration.ofMillis(500));
        }
        assertTrue(change.isDone(), "the change ended: " + log());
        return Math.max(most, app.workers().stream().mapToDouble(w -> share(w.config())).sum());
    }
}
