package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.Shutdown;
import io.jcluster.cli.primary.sockets.SlotSocket;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.unix.FileDescriptor;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The primary's side of the preload library ({@link io.jcluster.cli.host.PreloadLibrary}), which every worker of a
 * handoff app loads: when the app binds
 * one of its ports the library sends {@code bind} and gets the slot's socket for that port; when it
 * listens it sends {@code listening}, and a worker that listens on every app port is ready (for
 * readiness {@code auto} and {@code port}). Its session ({@code conns} every second) gives the open and
 * accepted connection counts, and takes {@code drain}: a draining worker is ended once the agent has
 * drained and the library's connections are all closed, or, as {@code [reload] shutdown} says, once
 * only the app can end those left (see {@link Shutdown}). See {@code docs/worker-protocol.md}.
 *
 * <p>Confined to the supervisor thread, like the rest of the primary's state.
 */
final class PortAdoption {
    /** How long no connection may have closed before those that only the app can end are left to it ({@link Shutdown#AUTO}). */
    static final Duration STILL = Duration.ofSeconds(1);

    private final PrimaryLog log;
    private final Supplier<Instant> clock;
    /** The slot socket a worker gets for a port, or null with no socket (a gone slot, listen=self). */
    private final BiFunction<Worker, Integer, SlotSocket> socketFor;
    /** Makes a worker ready, with how it got there in words. */
    private final BiConsumer<Worker, String> ready;
    /** Ends a drained worker (SIGTERM). */
    private final Consumer<Worker> drained;
    /** Workers whose app bound an app port through the library, and the ports it has listened on. */
    private final Map<Worker, Set<Integer>> adopted = new HashMap<>();
    /** The library's session of each worker that has one, and its last counts. */
    private final Map<Worker, Session> sessions = new HashMap<>();

    private static final class Session {
        final Channel channel;
        long open;
        long accepted;
        /** Open connections that the library cannot end itself (TLS, protocols it does not read, HTTP/2 after its GOAWAY). */
        long left;
        /** While draining: when a connection last closed (the drain's start before the first). */
        Instant lastClose;
        boolean draining;
        boolean agentDrained;

        Session(Channel channel) {
            this.channel = channel;
        }
    }

    PortAdoption(PrimaryLog log, Supplier<Instant> clock, BiFunction<Worker, Integer, SlotSocket> socketFor,
                 BiConsumer<Worker, String> ready, Consumer<Worker> drained) {
        this.log = log;
        this.clock = clock;
        this.socketFor = socketFor;
        this.ready = ready;
        this.drained = drained;
    }

    /** The ports of a worker's app. */
    static List<Integer> ports(Worker w) {
        return w.config().ports();
    }

    /** A {@code bind}: answers with the slot's socket for the port (SCM_RIGHTS) or an error frame, then closes. */
    void bind(Channel ch, Worker w, WireMessage m) {
        int port = m.getInt("port", -1);
        String refusal = null;
        SlotSocket socket = null;
        if (!ports(w).contains(port)) {
            refusal = "port " + m.get("port") + " is not a port of app " + w.config().name() + " (" + ports(w) + ")";
        } else if ((socket = socketFor.apply(w, port)) == null) {
            refusal = "slot " + w.slotIndex() + " has no socket for port " + port + " (the slot is gone, or the app runs with listen=self)";
        }
        if (refusal != null) {
            log.info("slot %d: refused the bind of port %s to worker pid %d: %s", w.slotIndex(), m.get("port"), w.pid(), refusal);
            WorkerChannel.send(ch, WireMessage.of(MessageTypes.ERROR, "message", refusal));
            ch.close();
            return;
        }
        adopted.computeIfAbsent(w, k -> new HashSet<>());
        log.info("slot %d: worker pid %d binds port %d (%s): it gets the slot's socket", w.slotIndex(), w.pid(), port, m.get("family"));
        ch.writeAndFlush(new FileDescriptor(socket.fd())).addListener(ChannelFutureListener.CLOSE);
    }

    /** A {@code listening}: once the app listens on every app port, the worker is ready when its readiness is the port. */
    void listening(Channel ch, Worker w, WireMessage m) {
        ch.close(); // one-way
        int port = m.getInt("port", -1);
        Set<Integer> listened = adopted.get(w);
        if (listened == null || !ports(w).contains(port)) {
            log.info("slot %d: worker pid %d says it listens on port %s, which it did not bind through jcluster: ignored",
                    w.slotIndex(), w.pid(), m.get("port"));
            return;
        }
        listened.add(port);
        if (listenedAll(w) && w.config().reload().ready().byPort()) ready.accept(w, "listening on " + PortGate.portsText(ports(w)));
    }

    /** Whether the worker's app bound an app port through the library: its readiness then comes from {@code listening}. */
    boolean adopted(Worker w) {
        return adopted.containsKey(w);
    }

    /** Whether the worker's app has listened on every app port. */
    boolean listenedAll(Worker w) {
        Set<Integer> listened = adopted.get(w);
        return listened != null && listened.containsAll(ports(w));
    }

    /** A {@code conns} on the library's session (its first frame opens the session). */
    void conns(Channel ch, Worker w, WireMessage m) {
        Session s = sessions.get(w);
        if (s == null || s.channel != ch) {
            if (s != null) s.channel.close();
            s = new Session(ch);
            sessions.put(w, s);
        }
        long before = s.open;
        s.open = m.getLong("open", 0);
        s.accepted = m.getLong("accepted", 0);
        s.left = Math.min(s.open, m.getLong("left", 0)); // a library that does not say: none
        if (s.open < before) s.lastClose = clock.get();
        if (!s.draining || !s.agentDrained) return;
        if (s.open == 0) {
            s.draining = false;
            log.info("slot %d: worker pid %d: its last connection closed", w.slotIndex(), w.pid());
            drained.accept(w);
        } else if (leftToApp(w, s)) {
            s.draining = false;
            drained.accept(w);
        }
    }

    /**
     * Whether the worker's connections are the app's to end now ({@link Shutdown}): at once with
     * {@code early}; with {@code auto}, once each is one the library cannot end and none has closed for
     * {@link #STILL}. Logs why when so.
     */
    private boolean leftToApp(Worker w, Session s) {
        Shutdown policy = w.config().reload().shutdown();
        boolean still = s.lastClose != null && !clock.get().isBefore(s.lastClose.plus(STILL));
        if (policy == Shutdown.EARLY) {
            log.info("slot %d: worker pid %d drained; its %d open connection(s) are left to the app's own shutdown (shutdown = \"early\")",
                    w.slotIndex(), w.pid(), s.open);
            return true;
        }
        if (policy == Shutdown.AUTO && s.left == s.open && still) {
            log.info("slot %d: worker pid %d: its %d open connection(s) are ones only the app can end (TLS, HTTP/2 streams, protocols"
                    + " the library does not read), and none closed for %d ms: SIGTERM, the app's own shutdown ends them",
                    w.slotIndex(), w.pid(), s.open, STILL.toMillis());
            return true;
        }
        return false;
    }

    /** Tells the library of a worker that drains: its connections close after their current response. */
    void drain(Worker w, long timeoutMillis) {
        Session s = sessions.get(w);
        if (s == null) return;
        s.draining = true;
        s.lastClose = clock.get();
        log.info("slot %d: worker pid %d drains its %d open connection(s)", w.slotIndex(), w.pid(), s.open);
        WorkerChannel.send(s.channel, WireMessage.of(MessageTypes.DRAIN, "timeoutMillis", timeoutMillis));
    }

    /**
     * The agent of a draining worker says it drained: whether the worker can be ended now, which it
     * cannot while the library still counts open connections (then {@code conns} ends it at 0).
     */
    boolean agentDrained(Worker w) {
        Session s = sessions.get(w);
        if (s == null || !s.draining || !s.channel.isActive()) return true;
        if (s.open == 0) {
            log.info("slot %d: worker pid %d drained, no connection open", w.slotIndex(), w.pid());
            return true;
        }
        s.agentDrained = true;
        if (leftToApp(w, s)) {
            s.draining = false;
            return true;
        }
        log.info("slot %d: worker pid %d drained; waiting for its %d open connection(s) to close", w.slotIndex(), w.pid(), s.open);
        return false;
    }

    /** The drain of {@code w} reached {@code drain_timeout}: says so, with the connections still open, before SIGTERM. */
    void drainTimedOut(Worker w) {
        Session s = sessions.get(w);
        log.info("slot %d: worker pid %d: drain timeout (%s)%s: SIGTERM", w.slotIndex(), w.pid(),
                io.jcluster.cli.config.Durations.format(w.config().reload().drainTimeout()),
                s == null ? "" : " with " + s.open + " open connection(s)");
        if (s != null) s.draining = false;
    }

    /**
     * A heartbeat's fields with the library's counts added: {@code app.connections} (unless the app
     * reports its own) and {@code app.accepts}, for {@code ls}, {@code top} and Prometheus.
     */
    Map<String, String> figures(Worker w, Map<String, String> heartbeat) {
        Session s = sessions.get(w);
        if (s == null) return heartbeat;
        Map<String, String> with = new java.util.LinkedHashMap<>(heartbeat);
        with.putIfAbsent("app.connections", Long.toString(s.open));
        with.putIfAbsent("app.accepts", Long.toString(s.accepted));
        return with;
    }

    /** Forgets an exited worker. */
    void forget(Worker w) {
        adopted.remove(w);
        sessions.remove(w);
    }
}
