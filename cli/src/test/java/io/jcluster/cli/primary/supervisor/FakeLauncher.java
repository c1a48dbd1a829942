package io.jcluster.cli.primary.supervisor;

import io.jcluster.cli.config.AppConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Starts no process: every launch is a {@link FakeProcess} the test ends as it likes. */
final class FakeLauncher implements Launcher {
    /** One launch: which slot, which generation, and the process it made. */
    record Launch(int slot, long generation, AppConfig config, FakeProcess process) {}

    final List<Launch> launches = new ArrayList<>();
    /** When set, the next launches fail with this message. */
    String failWith;
    private long nextPid = 1000;

    @Override
    public WorkerProcess launch(int slot, AppConfig config, long generation) throws IOException {
        if (failWith != null) throw new IOException(failWith);
        FakeProcess p = new FakeProcess(nextPid++);
        launches.add(new Launch(slot, generation, config, p));
        return p;
    }

    FakeProcess last() {
        return launches.get(launches.size() - 1).process();
    }

    /** A process that ends when it is told to: SIGTERM and SIGKILL end it at once, as a healthy JVM would. */
    static final class FakeProcess implements WorkerProcess {
        final long pid;
        final CompletableFuture<Integer> exited = new CompletableFuture<>();
        final List<String> signals = new ArrayList<>();
        /** When false, SIGTERM is ignored (a JVM whose shutdown hooks hang). */
        boolean obeysTerm = true;

        FakeProcess(long pid) {
            this.pid = pid;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public void terminate() {
            signals.add("TERM");
            if (obeysTerm) exit(143);
        }

        @Override
        public void kill() {
            signals.add("KILL");
            exit(137);
        }

        /** Ends the process with {@code code}: a crash when nobody asked. */
        void exit(int code) {
            exited.complete(code);
        }

        @Override
        public boolean alive() {
            return !exited.isDone();
        }

        @Override
        public CompletableFuture<Integer> exited() {
            return exited;
        }

        @Override
        public void note(String line) {}

        @Override
        public List<String> lastLines(int n) {
            return List.of("last words of " + pid);
        }
    }
}
