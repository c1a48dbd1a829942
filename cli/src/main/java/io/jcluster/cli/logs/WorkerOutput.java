package io.jcluster.cli.logs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The stdout and stderr of one worker process: one thread per stream reads the pipe and hands
 * whole lines, with their prefix, to the slot's sinks, and keeps the last lines in memory for
 * the reason of a failed start.
 *
 * <p>Nothing is lost when the worker dies, even by {@code kill -9}: what it wrote is in the pipe,
 * and the readers go on to end of file. {@link #finished(Process)} completes once they have; a
 * line left without its line end is written as a line of its own.
 */
public final class WorkerOutput {
    /** Lines longer than this are cut into pieces of this size. */
    static final int MAX_LINE = 64 * 1024;
    private static final int KEPT_LINES = 50;
    private static final int KEPT_LINE_CHARS = 2000;
    /** How long to wait for end of file after the worker exits (a child process of the app may keep the pipe open). */
    private static final long EOF_GRACE_MILLIS = 2000;

    private final LinePrefix prefix;
    private final LineSink out;
    private final LineSink err;
    private final ArrayDeque<String> last = new ArrayDeque<>();
    private final CompletableFuture<Void> outDone = new CompletableFuture<>();
    private final CompletableFuture<Void> errDone = new CompletableFuture<>();

    WorkerOutput(LinePrefix prefix, LineSink out, LineSink err) {
        this.prefix = prefix;
        this.out = out;
        this.err = err;
    }

    /** Starts reading {@code process}'s stdout and stderr (both must be pipes). */
    void pump(Process process, String name) {
        start(process.getInputStream(), out, outDone, name + "-out");
        start(process.getErrorStream(), err, errDone, name + "-err");
    }

    private void start(InputStream in, LineSink sink, CompletableFuture<Void> done, String name) {
        Thread t = new Thread(null, () -> {
            try (in) {
                copy(in, sink);
            } catch (IOException e) {
                // the pipe broke: what was read is written
            } finally {
                done.complete(null);
            }
        }, name, 256 * 1024);
        t.setDaemon(true);
        t.start();
    }

    /** Reads {@code in} to its end, writing whole lines to {@code sink}. */
    void copy(InputStream in, LineSink sink) throws IOException {
        byte[] buf = new byte[MAX_LINE];
        int start = 0;
        int end = 0;
        int n;
        while ((n = in.read(buf, end, buf.length - end)) >= 0) {
            end += n;
            int from = start;
            for (int i = from; i < end; i++) {
                if (buf[i] == '\n') {
                    emit(sink, buf, start, i);
                    start = i + 1;
                }
            }
            if (start == 0 && end == buf.length) { // a line longer than the buffer: cut it
                emit(sink, buf, 0, end);
                start = end;
            }
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
        }
        if (end > start) emit(sink, buf, start, end);
    }

    private void emit(LineSink sink, byte[] buf, int from, int to) {
        int len = to - from;
        if (len > 0 && buf[to - 1] == '\r') len--;
        sink.line(prefix.at(System.currentTimeMillis()), buf, from, len);
        String text = new String(buf, from, Math.min(len, KEPT_LINE_CHARS), StandardCharsets.UTF_8);
        synchronized (last) {
            if (last.size() == KEPT_LINES) last.removeFirst();
            last.addLast(text);
        }
    }

    /** A line from jcluster itself ({@code [jcluster] worker started…}) in the worker's stdout file. */
    public void note(String text) {
        byte[] b = ("[jcluster] " + text).getBytes(StandardCharsets.UTF_8);
        out.line(prefix.at(System.currentTimeMillis()), b, 0, b.length);
    }

    /** The last {@code n} lines the worker wrote, stdout and stderr in the order they were read. */
    public List<String> lastLines(int n) {
        synchronized (last) {
            List<String> all = new ArrayList<>(last);
            all.removeIf(String::isBlank);
            return List.copyOf(all.subList(Math.max(0, all.size() - n), all.size()));
        }
    }

    /**
     * Completes when {@code process} has exited and both of its streams have been read to their
     * end (or 2 s after its exit, if something else keeps them open).
     */
    public CompletableFuture<Void> finished(Process process) {
        CompletableFuture<Void> eof = CompletableFuture.allOf(outDone, errDone);
        return process.onExit().thenCompose(p -> eof.completeOnTimeout(null, EOF_GRACE_MILLIS, TimeUnit.MILLISECONDS)
                .exceptionally(t -> null));
    }
}
