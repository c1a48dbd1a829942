package io.jcluster.cli.logs;

import io.jcluster.cli.config.LogFormat;
import io.jcluster.cli.config.LogPolicy;
import io.jcluster.cli.config.LogTarget;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where one app's worker output goes: per slot, a rotating {@code <slot>.log} for stdout and
 * {@code <slot>.err.log} for stderr under one {@link LogBudget}; or, with
 * {@code [logs] to = "stdout"}, the primary's own stdout and stderr. Owned by the primary; the
 * files of a slot are shared by every generation of its worker (a reload runs two at once).
 * Thread-safe.
 */
public final class AppLogs implements AutoCloseable {
    private final String app;
    private final Path dir;
    private final LogPolicy policy;
    private final LogBudget budget;
    private final ConsoleSink stdout;
    private final ConsoleSink stderr;
    private final Map<Integer, LineSink[]> slots = new HashMap<>();

    /**
     * @param dir the app's log directory
     * @param stdout where worker stdout goes with {@code to = "stdout"} (stderr goes to {@code stderr})
     */
    public AppLogs(String app, Path dir, LogPolicy policy, OutputStream stdout, OutputStream stderr) {
        this.app = app;
        this.dir = dir;
        this.policy = policy;
        this.budget = policy.to() == LogTarget.FILES ? new LogBudget(dir, policy.maxTotal().bytes()) : null;
        this.stdout = new ConsoleSink(stdout);
        this.stderr = new ConsoleSink(stderr);
    }

    /**
     * Starts capturing the output of {@code process}, the worker of {@code slot} in generation
     * {@code generation} (its pid and generation are in every line of {@code format = "json"}).
     * Its stdout and stderr must be pipes.
     */
    public WorkerOutput capture(int slot, long generation, Process process) {
        WorkerOutput output = output(slot, process.pid(), generation);
        output.pump(process, "log-" + app + "-" + slot + "-" + process.pid());
        return output;
    }

    /**
     * A spare ({@code slot} -1 at its capture: its start-up went to {@code spare.log}) took
     * {@code slot}: its output goes to that slot's files from now on.
     */
    public void move(WorkerOutput output, int slot, long pid, long generation) {
        output.moveTo(output(slot, pid, generation));
    }

    WorkerOutput output(int slot, long pid, long generation) {
        boolean console = policy.to() == LogTarget.STDOUT;
        LinePrefix prefix = new LinePrefix(policy.timestamps(), console || policy.slotTags() ? app + "/" + (slot < 0 ? "spare" : slot) : null);
        JsonLines json = policy.format() == LogFormat.JSON ? new JsonLines(app, slot, pid, generation, policy.timestamps()) : null;
        if (console) return new WorkerOutput(prefix, json, stdout, stderr);
        LineSink[] sinks;
        synchronized (slots) {
            sinks = slots.computeIfAbsent(slot, s -> new LineSink[] {file(s, LogFiles.Stream.OUT), file(s, LogFiles.Stream.ERR)});
        }
        return new WorkerOutput(prefix, json, sinks[0], sinks[1]);
    }

    private RotatingFile file(int slot, LogFiles.Stream stream) {
        return new RotatingFile(LogFiles.current(dir, slot, stream), policy.maxSize().bytes(), policy.maxFiles(), budget);
    }

    /** Closes the files. Output still arriving from a worker after this is dropped. */
    @Override
    public void close() {
        synchronized (slots) {
            for (LineSink[] s : slots.values()) {
                s[0].close();
                s[1].close();
            }
            slots.clear();
        }
    }
}
