package io.jcluster.cli.logs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code jcluster logs -f}: prints lines as they are appended, like {@code tail -F}. It follows a
 * file across rotation (it reads the renamed file to its end, then the new one from its start),
 * across truncation by {@code flush} (it starts again at the top), and picks up files that appear
 * later (a new slot after a scale-up). Worker restarts need nothing special: every generation of a
 * slot writes to the same file. Not thread-safe: one thread calls {@link #poll}.
 */
public final class LogFollower {
    private final Supplier<List<LogSource>> sources;
    private final Map<Path, Tracked> tracked = new LinkedHashMap<>();

    /**
     * @param sources the sources to follow, asked again at every poll (new files are read from their start)
     * @param startAt where to start in the files that exist now (their size when their recent lines were printed)
     */
    public LogFollower(Supplier<List<LogSource>> sources, Map<Path, Long> startAt) {
        this.sources = sources;
        for (LogSource s : sources.get()) {
            tracked.put(s.file(), new Tracked(s, startAt.getOrDefault(s.file(), 0L)));
        }
    }

    /** Reads what was appended since the last poll and hands each complete line to {@code out}. */
    public void poll(Consumer<LogLine> out) {
        for (LogSource s : sources.get()) tracked.computeIfAbsent(s.file(), f -> new Tracked(s, 0));
        for (Tracked t : tracked.values()) t.poll(out);
    }

    /** Polls every {@code intervalMillis} until the thread is interrupted. */
    public void run(Consumer<LogLine> out, long intervalMillis) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                poll(out);
                Thread.sleep(intervalMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Tracked t : tracked.values()) t.close();
        }
    }

    private static final class Tracked {
        private final LogSource source;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private FileChannel channel;
        private Object key;
        private long pos;

        Tracked(LogSource source, long startAt) {
            this.source = source;
            this.pos = startAt;
        }

        void poll(Consumer<LogLine> out) {
            try {
                if (channel == null && !open()) return;
                read(out);
                Object now = fileKey(source.file());
                if (!Objects.equals(now, key)) { // rotated (or deleted): finish the old file, then start the new one
                    read(out);
                    flushPartial(out);
                    close();
                    readSkipped(out);
                    pos = 0;
                    if (open()) read(out);
                }
            } catch (IOException e) {
                close();
            }
        }

        /**
         * Several rotations between two polls: the file read so far is now {@code .k}, and
         * {@code .k-1} … {@code .1} were written and rotated unseen. Reads them, oldest first. (When
         * the old file is gone altogether, the caps deleted it and whatever came between.)
         */
        private void readSkipped(Consumer<LogLine> out) throws IOException {
            int k = 0;
            for (int i = 1; i <= 1000; i++) {
                Path p = LogFiles.rotated(source.file(), i);
                Object pk = fileKey(p);
                if (pk == null) break;
                if (pk.equals(key)) {
                    k = i;
                    break;
                }
            }
            for (int i = k - 1; i >= 1; i--) {
                try (FileChannel ch = FileChannel.open(LogFiles.rotated(source.file(), i), StandardOpenOption.READ)) {
                    channel = ch;
                    pos = 0;
                    read(out);
                    flushPartial(out);
                } catch (NoSuchFileException e) {
                    // pruned meanwhile
                } finally {
                    channel = null;
                }
            }
        }

        private boolean open() throws IOException {
            try {
                channel = FileChannel.open(source.file(), StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return false;
            }
            key = Files.readAttributes(source.file(), BasicFileAttributes.class).fileKey();
            if (pos > channel.size()) pos = channel.size();
            return true;
        }

        private void read(Consumer<LogLine> out) throws IOException {
            long size = channel.size();
            if (size < pos) { // truncated by flush
                pos = 0;
                partial.reset();
            }
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (pos < size) {
                buf.clear();
                int n = channel.read(buf, pos);
                if (n <= 0) break;
                pos += n;
                byte[] b = buf.array();
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (b[i] == '\n') {
                        partial.write(b, start, i - start);
                        out.accept(new LogLine(source, partial.toString(StandardCharsets.UTF_8)));
                        partial.reset();
                        start = i + 1;
                    }
                }
                partial.write(b, start, n - start);
            }
        }

        private void flushPartial(Consumer<LogLine> out) {
            if (partial.size() > 0) out.accept(new LogLine(source, partial.toString(StandardCharsets.UTF_8)));
            partial.reset();
        }

        void close() {
            if (channel == null) return;
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only
            }
            channel = null;
        }

        private static Object fileKey(Path p) {
            try {
                return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
            } catch (IOException e) {
                return null;
            }
        }
    }
}
