package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.host.PortOwners;
import java.time.Duration;
import java.util.List;

/**
 * Readiness of workers that do not call {@code JCluster.ready()}: listening on every app port, then,
 * when {@code ready = "http:/path"}, a 2xx answer on the first port. The {@code /proc} reads and the HTTP requests run off
 * the loop; their results come back as events.
 */
final class ReadinessProbe {
    static final Duration POLL = Duration.ofMillis(50);
    private static final Duration HTTP_RETRY = Duration.ofMillis(200);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(1);

    private final Supervisor app;

    ReadinessProbe(Supervisor app) {
        this.app = app;
    }

    void watch(Worker w) {
        app.loop.schedule(POLL, () -> poll(w));
    }

    private void poll(Worker w) {
        if (w.state() != WorkerState.STARTING) return;
        long pid = w.pid();
        List<Integer> ports = w.config().ports();
        int port = ports.get(0);
        if (app.adoption().adopted(w)) { // the library says when the app listens: no /proc
            if (app.adoption().listenedAll(w)) listening(w, port);
            else app.loop.schedule(POLL, () -> poll(w));
            return;
        }
        app.loop.offLoop(() -> listensOnAll(pid, ports), listens -> {
            if (w.state() != WorkerState.STARTING) return;
            if (!listens) {
                app.loop.schedule(POLL, () -> poll(w));
                return;
            }
            listening(w, port);
        });
    }

    /** Whether process {@code pid} listens on every one of {@code ports} (from {@code /proc}: off the loop). */
    private static boolean listensOnAll(long pid, List<Integer> ports) {
        for (int port : ports) {
            if (!PortOwners.listens(pid, port)) return false;
        }
        return true;
    }

    /** The app listens: ready now, or once its HTTP check answers. */
    private void listening(Worker w, int port) {
        var readiness = w.config().reload().ready();
        if (readiness.byPort()) {
            app.ready(w, "listening on " + PortGate.portsText(w.config().ports()));
            return;
        }
        if (!readiness.byHttp()) return; // "call": only JCluster.ready() counts
        String path = readiness.path();
        app.loop.offLoop(() -> HttpProbe.ok(port, path, HTTP_TIMEOUT), ok -> {
            if (w.state() != WorkerState.STARTING) return;
            if (ok) app.ready(w, "GET " + path + " answered 2xx");
            else app.loop.schedule(HTTP_RETRY, () -> poll(w));
        });
    }
}
