package io.jcluster.cli.host;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The orphans a PID 1 inherits: when a worker's own child outlives its parent (a shell's background
 * job, a daemon that forks twice, the children of a worker that crashed), the kernel makes the PID
 * namespace's init its parent, and in a container that is the primary. Nobody waits for them, so each
 * stays a zombie when it ends, until this process reaps it.
 * <p>
 * The JDK waits only for the processes it started, each on a reaper thread of its own, and two
 * waits for one pid would lose an exit status. So the reaping goes through the JDK's own table of
 * waits ({@code ProcessHandleImpl.completion(pid, true)}): for a worker it returns the wait already
 * under way, for an orphan it makes one. That needs {@code --add-opens java.base/java.lang=ALL-UNNAMED},
 * which {@code bin/jcluster} passes when the primary is PID 1; without it, {@link #unavailabilityCause()}
 * says so.
 */
public final class Orphans {
    private static final MethodHandle COMPLETION;
    private static final String CAUSE;

    static {
        MethodHandle h = null;
        String cause = null;
        try {
            Class<?> impl = Class.forName("java.lang.ProcessHandleImpl");
            h = MethodHandles.privateLookupIn(impl, MethodHandles.lookup())
                    .findStatic(impl, "completion", MethodType.methodType(CompletableFuture.class, long.class, boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            cause = "the JDK's process table is closed to jcluster (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); bin/jcluster opens it with --add-opens java.base/java.lang=ALL-UNNAMED when the primary is PID 1";
        }
        COMPLETION = h;
        CAUSE = cause;
    }

    private Orphans() {}

    /** The reaping thread, stopped by {@link #close()}. */
    public interface Reaping extends AutoCloseable {
        /** None: reaping nothing. */
        Reaping NONE = () -> { };

        @Override
        void close();
    }

    /** Whether orphans come to this process: it is the init of its PID namespace. */
    public static boolean inherited() {
        return ProcessHandle.current().pid() == 1;
    }

    /** Why orphans cannot be reaped here, or null when they can. */
    public static String unavailabilityCause() {
        return CAUSE;
    }

    /**
     * Reaps every child of this process that has ended and that nothing waits for; returns how many
     * zombies it found (a worker's among them is left to the wait the JDK has for it).
     */
    public static int reap() {
        if (COMPLETION == null) return 0;
        long self = ProcessHandle.current().pid();
        int found = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (zombieChildOf(proc, self)) {
                    found++;
                    try {
                        COMPLETION.invoke(pid, true);
                    } catch (Throwable e) {
                        return found; // cannot happen for a handle of this type; nothing to reap with then
                    }
                }
            }
        } catch (IOException e) {
            // /proc unreadable: nothing to do this time
        }
        return found;
    }

    /**
     * Reaps every {@code period} on a daemon thread of its own until the returned handle is closed;
     * {@code reaped} hears of each round that found zombies.
     */
    public static Reaping reapEvery(java.time.Duration period, java.util.function.IntConsumer reaped) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                int n = reap();
                if (n > 0) reaped.accept(n);
                try {
                    Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "orphan reaper");
        t.setDaemon(true);
        t.start();
        return t::interrupt;
    }

    /** /proc/pid/stat: "pid (comm) S ppid ...", comm may hold spaces and parentheses. */
    private static boolean zombieChildOf(Path proc, long parent) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 4 >= stat.length()) return false;
            String[] f = stat.substring(close + 2).split(" ", 3);
            return f[0].equals("Z") && Long.parseLong(f[1]) == parent;
        } catch (IOException | RuntimeException e) {
            return false; // gone meanwhile
        }
    }
}
