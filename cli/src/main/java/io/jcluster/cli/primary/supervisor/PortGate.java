package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.host.PortOwners;
import io.jcluster.cli.primary.sockets.SlotSocket;
import io.jcluster.cli.primary.sockets.Steering;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The app's ports: the slots' listening sockets (handoff mode, one per port per slot), which of them
 * get new connections (steering: each port's sockets are a SO_REUSEPORT group of their own, with a
 * program of their own), and whether the ports refuse connections because every slot is errored. Loop
 * only.
 */
public final class PortGate {
    /** One per app port, in the order of {@code ports}: the i-th steers the i-th socket of every slot. */
    private final List<Steering> steerings = new ArrayList<>();
    private final PrimaryLog log;
    private boolean steeringWarned;
    /**
     * Whether this primary steers the group: not while another primary does (a new primary before the
     * old one retires, an old one after it handed over; see {@code jcluster upgrade}).
     */
    private boolean steers = true;

    public PortGate(PrimaryLog log) {
        this.log = log;
    }

    /** The steering of the {@code i}-th app port. */
    private Steering steering(int i) {
        while (steerings.size() <= i) steerings.add(new Steering());
        return steerings.get(i);
    }

    /**
     * A new slot's sockets, one per app port in the order of {@code ports}, each in its port's steering
     * group; none with {@code listen = "self"}. When one cannot be opened, those opened are closed again.
     */
    List<SlotSocket> open(AppConfig cfg) throws IOException {
        if (cfg.listen() != Listen.HANDOFF) return List.of();
        List<SlotSocket> sockets = new ArrayList<>();
        try {
            for (int port : cfg.ports()) {
                SlotSocket socket = SlotSocket.open(cfg.host(), port);
                steering(sockets.size()).joined(socket);
                sockets.add(socket);
            }
        } catch (IOException | RuntimeException e) {
            close(sockets);
            throw e;
        }
        return sockets;
    }

    /** A socket systemd passed, as a slot's socket of the app's (one) port, in the steering group. */
    SlotSocket adopt(SlotSocket passed) {
        steering(0).joined(passed);
        return passed;
    }

    /**
     * Sockets a previous primary handed over ({@code jcluster upgrade}), in slot order, and the slot
     * of each socket of the kernel's group in the group's order. They stay as that primary steers
     * them until {@link #takeSteering()}. A socket missing from the order is one that did not listen:
     * adopting it made it listen again, which put it at the end of the group.
     */
    List<SlotSocket> inherit(List<SlotSocket> bySlot, List<Integer> kernelOrder) {
        List<SlotSocket> order = new ArrayList<>();
        for (int slot : kernelOrder) {
            if (slot >= 0 && slot < bySlot.size() && !order.contains(bySlot.get(slot))) order.add(bySlot.get(slot));
        }
        for (SlotSocket s : bySlot) {
            if (!order.contains(s)) order.add(s);
        }
        steering(0).inherit(order); // an upgrade hands over apps of one port only (see HandOver.begin)
        steers = false;
        return bySlot;
    }

    /** The slot of each socket of the group, in the kernel's order: what a new primary needs to steer it. */
    public List<Integer> groupOrder(List<Slot> slots) {
        List<Integer> order = new ArrayList<>();
        for (SlotSocket s : steering(0).group()) {
            for (Slot slot : slots) {
                if (slot.socket() == s) order.add(slot.index());
            }
        }
        return order;
    }

    /** Another primary steers from now on (this one handed its sockets over and retires). */
    public void release() {
        steers = false;
    }

    /** This primary steers from now on (the one that handed the sockets over stopped). */
    public void takeSteering() {
        steers = true;
    }

    /** Closes a leaving slot's sockets, one per port in the order of {@code ports} (its queues are empty, or the drain timeout passed). */
    public void close(List<SlotSocket> sockets) {
        for (int i = 0; i < sockets.size(); i++) {
            steering(i).leaving(sockets.get(i));
            sockets.get(i).close();
        }
    }

    /** Why new connections cannot be steered on this kernel, or null. */
    public String steeringUnavailable() {
        for (Steering steering : steerings) {
            if (steering.unavailable() != null) return steering.unavailable();
        }
        return null;
    }

    /**
     * Points new connections at the slots that have a ready worker; with every slot errored, stops
     * listening (see {@link #refuse}). Run after every event; does nothing when nothing changed.
     *
     * @return false when the kernel will not take the steering program
     */
    public boolean steer(List<Slot> slots, AppConfig cfg, boolean stopping) {
        if (cfg.listen() != Listen.HANDOFF || !steers) return true;
        if (!stopping && allHalted(slots)) refuse(slots, cfg.ports());
        if (refusing(slots)) return true;
        boolean ok = true;
        for (int i = 0; i < steerings.size(); i++) {
            Set<SlotSocket> healthy = new HashSet<>();
            for (Slot s : slots) {
                if (!s.leaving() && s.serving() != null && s.sockets().size() > i) healthy.add(s.sockets().get(i));
            }
            ok &= steerings.get(i).steerTo(healthy);
        }
        if (!ok && !steeringWarned) {
            steeringWarned = true;
            log.info("%s: new connections may reach a slot whose worker is down (they wait for its replacement)",
                    steeringUnavailable());
        }
        return ok;
    }

    /** Every slot errored or done: nobody will accept what queues. */
    private static boolean allHalted(List<Slot> slots) {
        if (slots.isEmpty()) return false;
        for (Slot slot : slots) {
            if (!slot.halted() || slot.worker() != null || slot.surge() != null || slot.sockets().isEmpty()) return false;
        }
        return true;
    }

    /**
     * With every slot errored nobody will accept the connections that queue on the slot sockets:
     * they would wait until their clients give up. So the sockets stop listening, keeping the port:
     * connections are refused at once, as from a stopped server (and as PM2's cluster mode does
     * once its workers are gone), until {@link #listenAgain} before the next worker starts.
     */
    private void refuse(List<Slot> slots, List<Integer> ports) {
        if (refusing(slots)) return;
        for (Steering steering : steerings) steering.steerTo(Set.of()); // no slot is healthy: no program, so the kernel's group can empty
        for (Slot slot : slots) {
            for (int i = 0; i < slot.sockets().size(); i++) {
                SlotSocket socket = slot.sockets().get(i);
                if (!socket.listening()) continue;
                steering(i).leaving(socket);
                try {
                    socket.stopListening();
                } catch (IOException e) {
                    log.info("slot %d: could not stop listening on port %d (%s); its connections wait until their clients give up",
                            slot.index(), ports.get(i), e.getMessage());
                }
            }
        }
        log.info("no slot has a worker to come: %s refuse%s connections until jcluster restart or reload", portsText(ports),
                ports.size() == 1 ? "s" : "");
    }

    /** {@code port 8080}, or {@code ports 8080, 8081}. */
    public static String portsText(List<Integer> ports) {
        StringJoiner j = new StringJoiner(", ", ports.size() == 1 ? "port " : "ports ", "");
        for (int port : ports) j.add(Integer.toString(port));
        return j.toString();
    }

    /** Whether slot sockets stopped listening because every slot errored. */
    public boolean refusing(List<Slot> slots) {
        for (Slot slot : slots) {
            for (SlotSocket socket : slot.sockets()) {
                if (!socket.listening()) return true;
            }
        }
        return false;
    }

    /**
     * Undoes {@link #refuse} before a worker starts; returns why the sockets could not listen again, or null.
     * {@code ports} are the app's, in the order of each slot's sockets.
     */
    String listenAgain(List<Slot> slots, List<Integer> ports) {
        if (!refusing(slots)) return null;
        List<SlotSocket> listening = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        for (Slot slot : slots) {
            for (int i = 0; i < slot.sockets().size(); i++) {
                SlotSocket socket = slot.sockets().get(i);
                if (socket.listening()) continue; // a slot added by scale meanwhile
                try {
                    socket.listenAgain();
                    steering(i).joined(socket);
                    listening.add(socket);
                    indexes.add(i);
                } catch (IOException e) {
                    for (int b = 0; b < listening.size(); b++) {
                        steering(indexes.get(b)).leaving(listening.get(b));
                        try {
                            listening.get(b).stopListening();
                        } catch (IOException ignored) {
                            // it keeps listening, with no worker: as before this feature
                        }
                    }
                    int port = ports.get(i);
                    return "could not listen on port " + port + " again (" + e.getMessage() + "); it is held by "
                            + PortOwners.describeOwner(port);
                }
            }
        }
        log.info("listening on %s again", portsText(ports));
        return null;
    }
}
