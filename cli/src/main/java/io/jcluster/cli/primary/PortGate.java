package io.jcluster.cli.primary;

import io.jcluster.cli.config.AppConfig;
import io.jcluster.cli.config.Listen;
import io.jcluster.cli.host.PortOwners;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The app's port: the slots' listening sockets (handoff mode), which of them get new connections
 * (steering), and whether the port refuses connections because every slot is errored. Loop only.
 */
final class PortGate {
    private final Steering steering = new Steering();
    private final PrimaryLog log;
    private boolean steeringWarned;
    /**
     * Whether this primary steers the group: not while another primary does (a new primary before the
     * old one retires, an old one after it handed over; see {@code jcluster upgrade}).
     */
    private boolean steers = true;

    PortGate(PrimaryLog log) {
        this.log = log;
    }

    /** A new slot's socket, in the steering group; null with {@code listen = "self"}. */
    SlotSocket open(AppConfig cfg) throws IOException {
        if (cfg.listen() != Listen.HANDOFF) return null;
        SlotSocket socket = SlotSocket.open(cfg.host(), cfg.port());
        steering.joined(socket);
        return socket;
    }

    /** A socket systemd passed, as a slot's socket, in the steering group. */
    SlotSocket adopt(SlotSocket passed) {
        steering.joined(passed);
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
        steering.inherit(order);
        steers = false;
        return bySlot;
    }

    /** The slot of each socket of the group, in the kernel's order: what a new primary needs to steer it. */
    List<Integer> groupOrder(List<Slot> slots) {
        List<Integer> order = new ArrayList<>();
        for (SlotSocket s : steering.group()) {
            for (Slot slot : slots) {
                if (slot.socket() == s) order.add(slot.index());
            }
        }
        return order;
    }

    /** Another primary steers from now on (this one handed its sockets over and retires). */
    void release() {
        steers = false;
    }

    /** This primary steers from now on (the one that handed the sockets over stopped). */
    void takeSteering() {
        steers = true;
    }

    /** Closes a leaving slot's socket (its queue is empty, or the drain timeout passed). */
    void close(SlotSocket socket) {
        if (socket == null) return;
        steering.leaving(socket);
        socket.close();
    }

    /** Why new connections cannot be steered on this kernel, or null. */
    String steeringUnavailable() {
        return steering.unavailable();
    }

    /**
     * Points new connections at the slots that have a ready worker; with every slot errored, stops
     * listening (see {@link #refuse}). Run after every event; does nothing when nothing changed.
     *
     * @return false when the kernel will not take the steering program
     */
    boolean steer(List<Slot> slots, AppConfig cfg, boolean stopping) {
        if (cfg.listen() != Listen.HANDOFF || !steers) return true;
        if (!stopping && allHalted(slots)) refuse(slots, cfg.port());
        if (refusing(slots)) return true;
        Set<SlotSocket> healthy = new HashSet<>();
        for (Slot s : slots) {
            if (!s.leaving() && s.serving() != null && s.socket() != null) healthy.add(s.socket());
        }
        boolean ok = steering.steerTo(healthy);
        if (!ok && !steeringWarned) {
            steeringWarned = true;
            log.info("%s: new connections may reach a slot whose worker is down (they wait for its replacement)",
                    steering.unavailable());
        }
        return ok;
    }

    /** Every slot errored or done: nobody will accept what queues. */
    private static boolean allHalted(List<Slot> slots) {
        if (slots.isEmpty()) return false;
        for (Slot slot : slots) {
            if (!slot.halted() || slot.worker() != null || slot.surge() != null || slot.socket() == null) return false;
        }
        return true;
    }

    /**
     * With every slot errored nobody will accept the connections that queue on the slot sockets:
     * they would wait until their clients give up. So the sockets stop listening, keeping the port:
     * connections are refused at once, as from a stopped server (and as PM2's cluster mode does
     * once its workers are gone), until {@link #listenAgain} before the next worker starts.
     */
    private void refuse(List<Slot> slots, int port) {
        if (refusing(slots)) return;
        steering.steerTo(Set.of()); // no slot is healthy: no program, so the kernel's group can empty
        for (Slot slot : slots) {
            if (!slot.socket().listening()) continue;
            steering.leaving(slot.socket());
            try {
                slot.socket().stopListening();
            } catch (IOException e) {
                log.info("slot %d: could not stop listening (%s); its connections wait until their clients give up",
                        slot.index(), e.getMessage());
            }
        }
        log.info("no slot has a worker to come: port %d refuses connections until jcluster restart or reload", port);
    }

    /** Whether slot sockets stopped listening because every slot errored. */
    boolean refusing(List<Slot> slots) {
        for (Slot slot : slots) {
            if (slot.socket() != null && !slot.socket().listening()) return true;
        }
        return false;
    }

    /** Undoes {@link #refuse} before a worker starts; returns why the sockets could not listen again, or null. */
    String listenAgain(List<Slot> slots, int port) {
        if (!refusing(slots)) return null;
        List<Slot> listening = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.socket() == null || slot.socket().listening()) continue; // a slot added by scale meanwhile
            try {
                slot.socket().listenAgain();
                steering.joined(slot.socket());
                listening.add(slot);
            } catch (IOException e) {
                for (Slot back : listening) {
                    steering.leaving(back.socket());
                    try {
                        back.socket().stopListening();
                    } catch (IOException ignored) {
                        // it keeps listening, with no worker: as before this feature
                    }
                }
                return "could not listen on port " + port + " again (" + e.getMessage() + "); it is held by "
                        + PortOwners.describeOwner(port);
            }
        }
        log.info("listening on port %d again", port);
        return null;
    }
}
