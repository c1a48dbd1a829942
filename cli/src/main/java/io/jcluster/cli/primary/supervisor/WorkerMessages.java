package io.jcluster.cli.primary.supervisor;

import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.unix.FileDescriptor;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What workers say on {@code workers.sock}, dispatched on the loop: hello, ready, heartbeats,
 * drained, and requests for the slot's listening socket (answered with its fd, SCM_RIGHTS).
 */
public final class WorkerMessages implements WorkerChannel.Events {
    /** A worker's latest heartbeat and when it came. */
    private record Beat(Map<String, String> fields, Instant at) {}

    private final Supervisor app;
    /**
     * Heartbeats wait here, the latest per pid, for the loop's next tick: one wake-up of the loop a
     * tick for every worker's figures, not one per heartbeat. Their figures are counters, so a
     * beat that a later one replaces loses nothing.
     */
    private final Map<Long, Beat> beats = new ConcurrentHashMap<>();

    public WorkerMessages(Supervisor app) {
        this.app = app;
    }

    @Override
    public void onMessage(Channel ch, long peerPid, WireMessage m) {
        if (MessageTypes.HEARTBEAT.equals(m.type())) {
            beats.put(peerPid, new Beat(m.fields(), Instant.now())); // the time it came: what the hung check measures
            return;
        }
        app.loop.execute(() -> handle(ch, peerPid, m));
    }

    /** Hands the heartbeats that came since the last tick to their workers (loop). */
    public void drainHeartbeats() {
        for (Long pid : beats.keySet()) {
            Beat beat = beats.remove(pid);
            Worker w = beat == null ? null : app.workerOf(pid);
            if (w == null) continue; // a worker that exited meanwhile, or no worker: hello is checked on the loop
            Map<String, String> fields = app.adoption().figures(w, beat.fields()); // with the library's connection counts
            w.heartbeat(fields, beat.at());
            if (!w.spare()) app.metrics().heartbeat(w, fields); // a spare serves nothing yet
        }
    }

    @Override
    public void onClosed(Channel ch) {
        app.loop.execute(() -> {
            for (Worker w : app.workers()) {
                if (w.channel() == ch) w.channel(null);
            }
        });
    }

    private void handle(Channel ch, long peerPid, WireMessage m) {
        Worker w = app.workerOf(peerPid);
        if (w == null) {
            app.log.info("workers.sock: %s from pid %d, which is no worker of this app: closing it", m.type(), peerPid);
            WorkerChannel.send(ch, WireMessage.of(MessageTypes.ERROR, "message", "pid " + peerPid + " is not a worker of " + app.config().name()));
            ch.close();
            return;
        }
        switch (m.type()) {
            case MessageTypes.HELLO -> hello(ch, peerPid, w, m);
            case MessageTypes.READY -> {
                if (w.config().reload().ready().byCall()) app.ready(w, "JCluster.ready()");
            }
            case MessageTypes.DRAINED -> app.drained(w);
            case MessageTypes.LISTENER -> w.whenInSlot(() -> handOver(ch, w)); // a spare's waits for its slot
            case MessageTypes.BIND -> w.whenInSlot(() -> app.adoption().bind(ch, w, m));
            case MessageTypes.LISTENING -> app.adoption().listening(ch, w, m);
            case MessageTypes.CONNS -> app.adoption().conns(ch, w, m);
            default -> {
                app.log.info("workers.sock: unknown message type '%s' from pid %d: closing the connection", m.type(), peerPid);
                ch.close();
            }
        }
    }

    private void hello(Channel ch, long peerPid, Worker w, WireMessage m) {
        int slot = w.spawnedAsSpare() ? -1 : w.slotIndex(); // a spare's environment has no slot
        if (m.getInt("slot", -1) != slot || m.getLong("generation", -1) != w.generation()) {
            app.log.info("workers.sock: pid %d says slot %s generation %s, but it is slot %d generation %d: closing it",
                    peerPid, m.get("slot"), m.get("generation"), w.slotIndex(), w.generation());
            ch.close();
            return;
        }
        w.channel(ch);
    }

    /**
     * Hands the slot's listening socket to its worker (SCM_RIGHTS), then closes that connection. With
     * several ports it is the first port's: {@code SlotListener} serves one port, and the app binds the
     * others (the preload library adopts them).
     */
    private void handOver(Channel ch, Worker w) {
        Slot slot = w.slot();
        if (!app.slots().contains(slot) || slot.socket() == null) {
            String why = !app.slots().contains(slot) ? "slot " + w.slotIndex() + " is gone"
                    : "app " + app.config().name() + " runs with listen=self: bind port " + app.config().port() + " yourself";
            app.log.info("workers.sock: refused the listener to pid %d: %s", w.pid(), why);
            WorkerChannel.send(ch, WireMessage.of(MessageTypes.ERROR, "message", why));
            ch.close();
            return;
        }
        ch.writeAndFlush(new FileDescriptor(slot.socket().fd())).addListener(ChannelFutureListener.CLOSE);
    }
}
