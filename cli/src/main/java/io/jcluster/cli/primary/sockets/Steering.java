package io.jcluster.cli.primary.sockets;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Chooses which slot sockets of the app's SO_REUSEPORT group receive new connections, with a
 * classic BPF program attached to the group (SO_ATTACH_REUSEPORT_CBPF): the program picks a
 * random index among the healthy sockets. Connections already queued on a socket stay there.
 *
 * <p>This is what lets a slot leave without resetting anything: steer new connections away, let
 * its worker empty the queue, then close. Without it the kernel hashes every connection over
 * every socket, including the socket of a slot whose worker is down or about to go.
 *
 * <p>The program returns an index into the kernel's array of the group's sockets. That array is
 * in {@code listen()} order, and closing a socket moves the last one into its place; this class
 * mirrors it. Confined to the supervisor thread.
 */
public final class Steering {
    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_REUSEPORT_CBPF = 51;
    private static final int SO_DETACH_REUSEPORT_BPF = 68;
    private static final int SKF_AD_RANDOM = 0xfffff000 + 56;
    private static final short LD_W_ABS = 0x20;
    private static final short ALU_MOD_K = 0x94;
    private static final short JMP_JEQ_K = 0x15;
    private static final short RET_K = 0x06;
    private static final int MAX_INSNS = 4096;

    private final List<SlotSocket> group = new ArrayList<>();
    private boolean attached;
    /** The group came from a previous primary, with whatever program it left attached (see {@link #inherit}). */
    private boolean inherited;
    private String unavailable;
    /** The group indexes steered to now (empty: the kernel's own hashing), or null after the group changed. */
    private List<Integer> steered;

    /** A socket that just started listening joins the end of the group. */
    public void joined(SlotSocket socket) {
        group.add(socket);
        steered = null;
    }

    /** A socket about to be closed leaves the group: the last one takes its place, as in the kernel. */
    public void leaving(SlotSocket socket) {
        int i = group.indexOf(socket);
        if (i < 0) return;
        steered = null;
        SlotSocket last = group.remove(group.size() - 1);
        if (last != socket) group.set(i, last);
    }

    /**
     * The group as a previous primary left it ({@code jcluster upgrade}): its sockets in the kernel's
     * order, and maybe a program of its own attached. Until the next {@link #steerTo} replaces that
     * program, nothing here touches the group.
     */
    public void inherit(List<SlotSocket> kernelOrder) {
        group.clear();
        group.addAll(kernelOrder);
        attached = true;
        inherited = true;
        steered = null;
    }

    /** The group's sockets in the kernel's order (what a new primary must know to steer the same group). */
    public List<SlotSocket> group() {
        return List.copyOf(group);
    }

    /** Why steering does not work on this kernel, or null when it does (or was not tried yet). */
    public String unavailable() {
        return unavailable;
    }

    /**
     * Sends new connections only to {@code healthy} sockets; with none healthy (or all of them),
     * the kernel's own hashing over every socket applies.
     *
     * @return false when the kernel refused the program (see {@link #unavailable()})
     */
    public boolean steerTo(Set<SlotSocket> healthy) {
        if (group.isEmpty()) return true;
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            if (healthy.contains(group.get(i))) indexes.add(i);
        }
        if (indexes.size() == group.size()) indexes.clear();
        if (indexes.equals(steered)) return true; // called after every event: no syscall when nothing changed
        try {
            if (indexes.isEmpty() && inherited) {
                // the previous primary's program may or may not be attached: one over every socket replaces
                // it either way (a detach would fail with ENOENT when there is none)
                List<Integer> all = new ArrayList<>();
                for (int i = 0; i < group.size(); i++) all.add(i);
                attach(all);
            } else if (indexes.isEmpty()) {
                if (attached) detach();
            } else {
                attach(indexes);
            }
            steered = indexes;
            return true;
        } catch (IOException | RuntimeException e) {
            unavailable = "steering new connections with a reuseport BPF program failed: " + e.getMessage();
            return false;
        }
    }

    private void attach(List<Integer> indexes) throws IOException {
        int n = indexes.size();
        int insns = 2 + 2 * n + 1;
        if (insns > MAX_INSNS) throw new IOException("too many slots to steer: " + n);
        ByteBuffer filter = ByteBuffer.allocateDirect(insns * 8).order(ByteOrder.nativeOrder());
        put(filter, LD_W_ABS, 0, 0, SKF_AD_RANDOM);
        put(filter, ALU_MOD_K, 0, 0, n);
        for (int j = 0; j < n; j++) {
            put(filter, JMP_JEQ_K, 0, 1, j);
            put(filter, RET_K, 0, 0, indexes.get(j));
        }
        put(filter, RET_K, 0, 0, indexes.get(0));
        ByteBuffer prog = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        prog.putShort(0, (short) insns);
        prog.putLong(8, PlatformDependent.directBufferAddress(filter));
        group.get(0).setRawOption(SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, prog);
        attached = true;
        inherited = false;
        unavailable = null;
    }

    private void detach() throws IOException {
        ByteBuffer zero = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
        zero.putInt(0, 0);
        group.get(0).setRawOption(SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, zero);
        attached = false;
    }

    private static void put(ByteBuffer b, short code, int jt, int jf, int k) {
        b.putShort(code).put((byte) jt).put((byte) jf).putInt(k);
    }
}
