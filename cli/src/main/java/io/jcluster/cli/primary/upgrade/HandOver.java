package io.jcluster.cli.primary.upgrade;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.control.HandOverReply;
import io.jcluster.cli.primary.supervisor.Change;
import io.jcluster.cli.primary.supervisor.ChangeFailed;
import io.jcluster.cli.primary.supervisor.ServiceReports;
import io.jcluster.cli.primary.supervisor.Slot;
import io.jcluster.cli.primary.supervisor.Supervisor;
import io.netty.channel.Channel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The running primary's side of {@code jcluster upgrade}: a new primary (pid {@link #newPid}) asked
 * for the app on {@code control.sock}. This primary answers what the new one needs, hands over the
 * slot sockets' fds (SCM_RIGHTS) and supervises as before while the new workers start; other changes
 * are refused meanwhile. On {@code retire} it stops steering (the new primary steers from then on),
 * retires every worker gracefully (they share the sockets with the new
 * ones: nothing queued is lost) and stops. If the new primary's connection (the lease) closes before
 * that, it gave up or died: this primary carries on, nothing of it stopped. A primary in the
 * foreground refuses: whatever watches it (systemd, a container runtime) would see it end. Loop only.
 */
final class HandOver implements Change {
    private final Supervisor app;
    private final ServiceReports reports;
    private final Channel lease;
    private final long newPid;
    private boolean socketsSent;
    private boolean retiring;

    private HandOver(Supervisor app, ServiceReports reports, Channel lease, long newPid) {
        this.app = app;
        this.reports = reports;
        this.lease = lease;
        this.newPid = newPid;
    }

    @Override
    public String describe() {
        return "upgrade to a new primary (pid " + newPid + ")";
    }

    /** Whether the app went to the new primary (this one retires or retired). */
    boolean retiring() {
        return retiring;
    }

    /** The hand-over that runs on {@code lease}, or null. */
    static HandOver on(Supervisor app, Channel lease) {
        return app.change() instanceof HandOver h && h.lease == lease ? h : null;
    }

    /** Begins a hand-over to the process at the other end of {@code lease}, or says why not. */
    static HandOverReply begin(Supervisor app, ServiceReports reports, Channel lease, long newPid) {
        String refusal = app.refusal("upgrade");
        if (refusal != null) return HandOverReply.refused(refusal);
        AppConfig config = app.config();
        if (reports.foreground()) {
            // systemd, a container runtime or a terminal watches this very process: its exit would end the
            // service (systemd only follows MAINPID= to a process in the unit's cgroup, and its watchdog would
            // kill a successor that does not ping), the container, or the session
            return HandOverReply.refused("primary pid " + ProcessHandle.current().pid() + " runs in the foreground"
                    + " (systemd, a container or a terminal watches it): upgrade it by restarting that instead (with"
                    + " jcluster startup systemd --socket the port stays open across a restart); jcluster upgrade"
                    + " replaces detached primaries");
        }
        if (config.severalPorts()) {
            // the hand-over protocol carries one socket per slot and one steering group: an app of one port
            return HandOverReply.refused("app " + config.name() + " has ports " + config.portsText() + ", and jcluster upgrade"
                    + " hands over the slot sockets of one port only: stop and start the app to run it on the new jcluster");
        }
        if (config.listen() == Listen.HANDOFF && app.gate.refusing(app.slots())) {
            return HandOverReply.refused("every slot is errored and port " + config.port()
                    + " refuses connections: jcluster restart " + config.name() + " first, or stop and start it");
        }
        HandOver h = new HandOver(app, reports, lease, newPid);
        app.begin(h);
        app.log.info("upgrade: primary pid %d asks for the app (generation %d, %d slot(s)); handing it over",
                newPid, app.generation(), app.slots().size());
        lease.closeFuture().addListener(f -> app.loop.execute(h::leaseClosed));
        return new HandOverReply(true, null, HandOverReply.PROTOCOL, ProcessHandle.current().pid(), app.generation(),
                app.slots().size(), config.port(), config.host(), config.listen().id(), app.gate.groupOrder(app.slots()));
    }

    /** Writes every slot socket's fd on the lease (SCM_RIGHTS), in slot order; this primary keeps its own. */
    String sendSockets() {
        if (socketsSent) return "the sockets were handed over already";
        socketsSent = true;
        for (Slot slot : app.slots()) {
            if (slot.socket() != null) lease.write(new FileDescriptor(slot.socket().fd()));
        }
        lease.flush();
        app.log.info("upgrade: handed %d slot socket(s) to pid %d", app.slots().size(), newPid);
        return null;
    }

    /**
     * The new primary's workers all serve: stop steering, retire every worker.
     * {@code done} completes once they are all gone (the primary then stops).
     */
    void retire(Consumer<String> progress, CompletableFuture<Void> done) {
        if (retiring) {
            done.completeExceptionally(new ChangeFailed("retiring already", List.of()));
            return;
        }
        retiring = true;
        app.gate.release();
        reports.handedOver();
        int n = app.workers().size();
        app.log.info("upgrade: primary pid %d serves the app; retiring %d worker(s) and exiting", newPid, n);
        progress.accept("primary pid " + ProcessHandle.current().pid() + " stopped steering; retiring its " + n + " worker(s)");
        app.finish(this);
        app.stop();
        app.stopped().whenComplete((v, e) -> done.complete(null));
    }

    /** A successor that died mid-way (SIGKILL) left its own sockets in the run directory: they go once it is surely gone. */
    static boolean removeFilesOfDead(Home home, String name, long pid) {
        if (pid <= 0) return false;
        ProcessHandle.of(pid).ifPresent(h -> {
            try {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                // still running: it cleans up after itself
            }
        });
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) return false;
        try {
            Files.deleteIfExists(home.ownSocket(name, "control", pid));
            Files.deleteIfExists(home.ownSocket(name, "workers", pid));
            Files.deleteIfExists(home.pidFile(name).resolveSibling("primary.pid." + pid));
        } catch (IOException e) {
            return false;
        }
        return true;
    }

    private void leaseClosed() {
        if (retiring || app.change() != this) return; // after retire, the primary stops either way
        app.finish(this);
        app.log.info("upgrade: primary pid %d gave up the take-over (its connection closed): carrying on", newPid);
    }
}
