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
 *
 * <p>Lines are written as text (the prefix, then the line as the worker wrote it) or, with
 * {@code [logs] format = "json"}, as one JSON object each ({@link JsonLines}).
 */
public final class WorkerOutput {
    /** Lines longer than this are cut into pieces of this size. */
    static final int MAX_LINE = 64 * 1024;
    private static final int KEPT_LINES = 50;
    private static final int KEPT_LINE_BYTES = 2000;
    /** How long to wait for end of file after the worker exits (a child process of the app may keep the pipe open). */
    private static final long EOF_GRACE_MILLIS = 2000;

    /** Where lines go: fixed, except when a spare takes a slot ({@link #moveTo}). */
    private volatile LinePrefix prefix;
    private volatile JsonLines json;
    private volatile LineSink out;
    private volatile LineSink err;
    private final ArrayDeque<byte[]> last = new ArrayDeque<>();
    private final CompletableFuture<Void> outDone = new CompletableFuture<>();
    private final CompletableFuture<Void> errDone = new CompletableFuture<>();

    WorkerOutput(LinePrefix prefix, LineSink out, LineSink err) {
        this(prefix, null, out, err);
    }

    /** @param json the JSON form of lines, or null for text */
    WorkerOutput(LinePrefix prefix, JsonLines json, LineSink out, LineSink err) {
        this.prefix = prefix;
        this.json = json;
        this.out = out;
        this.err = err;
    }

    /** Starts reading {@code process}'s stdout and stderr (both must be pipes). */
    void pump(Process process, String name) {
        start(process.getInputStream(), null, false, outDone, name + "-out");
        start(process.getErrorStream(), null, true, errDone, name + "-err");
    }

    /** From the next batch on, lines go where {@code other}'s go, with its prefix (a spare that took a slot). */
    void moveTo(WorkerOutput other) {
        prefix = other.prefix;
        json = other.json;
        out = other.out;
        err = other.err;
    }

    private void start(InputStream in, LineSink sink, boolean stderr, CompletableFuture<Void> done, String name) {
        Thread t = new Thread(null, () -> {
            try (in) {
                copy(in, sink, stderr);
            } catch (IOException e) {
                // the pipe broke: what was read is written
            } finally {
                done.complete(null);
            }
        }, name, 256 * 1024);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Reads {@code in} to its end, writing whole lines to {@code sink}: all the lines of one read
     * go out as one batch (one write call), each with the prefix of the moment they were read.
     */
    void copy(InputStream in, LineSink sink) throws IOException {
        copy(in, sink, false);
    }

    /**
     * {@link #copy(InputStream, LineSink)} of the worker's stderr ({@code stderr} true) or stdout;
     * {@code sink} null: the stream's current sink, batch by batch.
     */
    void copy(InputStream in, LineSink sink, boolean stderr) throws IOException {
        byte[] buf = new byte[MAX_LINE];
        Batch batch = new Batch(json != null);
        int end = 0;
        int n;
        while ((n = in.read(buf, end, buf.length - end)) >= 0) {
            int scanFrom = end;
            end += n;
            byte[] p = head(System.currentTimeMillis(), stderr);
            int start = 0;
            for (int i = scanFrom; i < end; i++) {
                if (buf[i] == '\n') {
                    batch.add(p, buf, start, i);
                    start = i + 1;
                }
            }
            if (start == 0 && end == buf.length) { // a line longer than the buffer: cut it
                batch.add(p, buf, 0, end);
                start = end;
            }
            if (batch.size > 0) {
                (sink != null ? sink : stderr ? err : out).write(batch.bytes, batch.size);
                keep(batch, buf);
                batch.reset();
            }
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
            }
        }
        if (end > 0) {
            batch.add(head(System.currentTimeMillis(), stderr), buf, 0, end);
            (sink != null ? sink : stderr ? err : out).write(batch.bytes, batch.size);
            keep(batch, buf);
        }
    }

    /** What goes before a line read at {@code millis}: the text prefix, or the JSON object up to its message. */
    private byte[] head(long millis, boolean stderr) {
        return json != null ? json.head(millis, stderr) : prefix.at(millis);
    }

    /** Keeps the last lines of a batch (as the worker wrote them, from {@code buf}) for {@link #lastLines}. */
    private void keep(Batch batch, byte[] buf) {
        synchronized (last) {
            for (int i = Math.max(0, batch.lines - KEPT_LINES); i < batch.lines; i++) {
                if (last.size() == KEPT_LINES) last.removeFirst();
                int from = batch.textStart[i];
                int len = Math.min(batch.textEnd[i] - from, KEPT_LINE_BYTES);
                last.addLast(java.util.Arrays.copyOfRange(buf, from, from + len));
            }
        }
    }

    /** Prefixed lines ready to write, and where each line's text is in the read buffer. Reused from read to read. */
    private static final class Batch {
        /** Each line's text as a JSON string, closed by {@link JsonLines#TAIL}. */
        final boolean json;
        byte[] bytes = new byte[2 * MAX_LINE];
        int size;
        int lines;
        int[] textStart = new int[256];
        int[] textEnd = new int[256];

        Batch(boolean json) {
            this.json = json;
        }

        void add(byte[] prefix, byte[] buf, int from, int to) {
            int len = to - from;
            if (len > 0 && buf[to - 1] == '\r') len--;
            byte[] text = buf;
            int textFrom = from;
            int textLen = len;
            if (json) {
                byte[] escaped = JsonLines.escape(buf, from, len);
                byte[] closed = java.util.Arrays.copyOf(escaped, escaped.length + JsonLines.TAIL.length);
                System.arraycopy(JsonLines.TAIL, 0, closed, escaped.length, JsonLines.TAIL.length);
                text = closed;
                textFrom = 0;
                textLen = closed.length;
            }
            int need = size + prefix.length + textLen + 1;
            if (need > bytes.length) bytes = java.util.Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
            if (lines == textStart.length) {
                textStart = java.util.Arrays.copyOf(textStart, lines * 2);
                textEnd = java.util.Arrays.copyOf(textEnd, lines * 2);
            }
            System.arraycopy(prefix, 0, bytes, size, prefix.length);
            size += prefix.length;
            textStart[lines] = from;
            textEnd[lines++] = from + len;
            System.arraycopy(text, textFrom, bytes, size, textLen);
            size += textLen;
            bytes[size++] = '\n';
        }

        void reset() {
            size = 0;
            lines = 0;
        }
    }

    /** A line from jcluster itself ({@code [jcluster] worker started…}) in the worker's stdout file. */
    public void note(String text) {
        byte[] b = ("[jcluster] " + text).getBytes(StandardCharsets.UTF_8);
        Batch batch = new Batch(json != null);
        batch.add(head(System.currentTimeMillis(), false), b, 0, b.length);
        out.write(batch.bytes, batch.size);
    }

    /** The last {@code n} lines the worker wrote, stdout and stderr in the order they were read. */
    public List<String> lastLines(int n) {
        synchronized (last) {
            List<String> all = new ArrayList<>();
            for (byte[] b : last) all.add(new String(b, StandardCharsets.UTF_8));
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
