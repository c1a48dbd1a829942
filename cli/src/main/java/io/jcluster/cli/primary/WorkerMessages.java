package io.jcluster.cli.primary;

import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.WireMessage;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.unix.FileDescriptor;

/**
 * What workers say on {@code workers.sock}, dispatched on the loop: hello, ready, heartbeats,
 * drained, and requests for the slot's listening socket (answered with its fd, SCM_RIGHTS).
 */
final class WorkerMessages implements WorkerChannel.Events {
    private final Supervisor app;

    WorkerMessages(Supervisor app) {
        this.app = app;
    }

    @Override
    public void onMessage(Channel ch, long peerPid, WireMessage m) {
        app.loop.execute(() -> handle(ch, peerPid, m));
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
            case MessageTypes.HEARTBEAT -> {
                w.heartbeat(m.fields(), app.loop.now());
                app.metrics().heartbeat(w, m.fields());
            }
            case MessageTypes.DRAINED -> app.drained(w);
            case MessageTypes.LISTENER -> handOver(ch, w);
            default -> {
                app.log.info("workers.sock: unknown message type '%s' from pid %d: closing the connection", m.type(), peerPid);
                ch.close();
            }
        }
    }

    private void hello(Channel ch, long peerPid, Worker w, WireMessage m) {
        if (m.getInt("slot", -1) != w.slotIndex() || m.getLong("generation", -1) != w.generation()) {
            app.log.info("workers.sock: pid %d says slot %s generation %s, but it is slot %d generation %d: closing it",
                    peerPid, m.get("slot"), m.get("generation"), w.slotIndex(), w.generation());
            ch.close();
            return;
        }
        w.channel(ch);
    }

    /** Hands the slot's listening socket to its worker (SCM_RIGHTS), then closes that connection. */
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
