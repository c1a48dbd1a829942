package io.jcluster.cli.primary.upgrade;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.HandOverReply;
import io.jcluster.cli.host.Peers;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.ServiceReports;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.netty.channel.Channel;
import io.netty.channel.unix.PeerCredentials;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The running primary's side of {@code jcluster upgrade}, as {@code control.sock} asks for it: a new
 * primary at the other end of a connection (the lease) asks for the app, its sockets, and then that
 * this primary retire (see {@link HandOver}). Each call is an event on the loop; its future completes there.
 */
public final class Successors {
    private final Supervisor app;
    private final ServiceReports reports;
    private final Home home;
    /** Whether this primary handed the app to a new one (it retires): its run directory is the new one's now. */
    private volatile boolean handedOver;

    public Successors(Supervisor app, ServiceReports reports, Home home) {
        this.app = app;
        this.reports = reports;
        this.home = home;
    }

    public boolean handedOver() {
        return handedOver;
    }

    /** A new primary at the other end of {@code lease} asks for the app: the offer, or the refusal. */
    public CompletableFuture<HandOverReply> handOver(Channel lease) {
        return app.loop.submit(f -> {
            PeerCredentials peer = Peers.of(lease);
            long successor = peer == null ? 0 : peer.pid();
            HandOverReply offer = HandOver.begin(app, reports, lease, successor);
            if (offer.ok()) lease.closeFuture().addListener(c -> app.loop.offLoop(() -> !handedOver
                    && HandOver.removeFilesOfDead(home, app.config().name(), successor), done -> {}));
            f.complete(offer);
        });
    }

    /** Writes the slot sockets on {@code lease}, whose hand-over began. */
    public CompletableFuture<Void> sockets(Channel lease) {
        return app.loop.submit(f -> {
            HandOver h = HandOver.on(app, lease);
            String refusal = h == null ? "no hand-over runs on this connection (ask for hand-over first)" : h.sendSockets();
            if (refusal != null) f.completeExceptionally(new ChangeFailed(refusal, List.of(), 2));
            else f.complete(null);
        });
    }

    /** The new primary serves: stop steering, retire every worker; completes once they are gone (the primary then stops). */
    public CompletableFuture<Void> retire(Channel lease, Consumer<String> progress) {
        return app.loop.submit(f -> {
            HandOver h = HandOver.on(app, lease);
            if (h == null) {
                f.completeExceptionally(new ChangeFailed("no hand-over runs on this connection", List.of(), 2));
                return;
            }
            handedOver = true;
            h.retire(progress, f);
        });
    }
}
