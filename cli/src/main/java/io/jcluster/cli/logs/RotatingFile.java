package io.jcluster.cli.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One log file that rotates by size: when a line would take {@code 0.log} past {@code maxSize},
 * it becomes {@code 0.log.1} ({@code .1} becomes {@code .2} … the one past {@code maxFiles} is
 * deleted) and a new {@code 0.log} starts. Every line is counted against the app's
 * {@link LogBudget}. Batches of whole lines are written with one write call each (split at a line
 * boundary when the file must rotate), so two workers of a slot never mix half lines. A single
 * line longer than {@code maxSize} goes alone into a file of its own.
 *
 * <p>The file is opened in append mode: when {@code jcluster flush} truncates it, the next line
 * goes to its new end. Thread-safe.
 */
final class RotatingFile implements LineSink {

    private final Path path;
    private final long maxSize;
    private final int maxFiles;
    private final LogBudget budget;
    private FileChannel channel;
    private long size;
    private boolean broken;
    private boolean closed;

    RotatingFile(Path path, long maxSize, int maxFiles, LogBudget budget) {
        this.path = path;
        this.maxSize = maxSize;
        this.maxFiles = maxFiles;
        this.budget = budget;
    }

    Path path() {
        return path;
    }

    @Override
    public synchronized void write(byte[] lines, int len) {
        if (closed) return;
        try {
            open();
            int from = 0;
            while (from < len) {
                int n = len - from;
                if (size + n > maxSize) {
                    size = channel.size(); // it may have been flushed since
                    if (size + n > maxSize) {
                        n = wholeLinesWithin(lines, from, len, maxSize - size);
                        if (n == 0) {
                            if (size > 0) {
                                rotate();
                                continue;
                            }
                            n = firstLine(lines, from, len); // a line longer than max_size: alone
                        }
                    }
                }
                budget.reserve(n, this);
                ByteBuffer b = ByteBuffer.wrap(lines, from, n);
                while (b.hasRemaining()) channel.write(b);
                size += n;
                from += n;
            }
            broken = false;
        } catch (IOException e) {
            // A full disk or a deleted directory must not stop the worker: its output is dropped
            // (said once on stderr, which is the primary's log) until a write works again.
            if (!broken) System.err.println("jcluster: cannot write " + path + ": " + e.getMessage());
            broken = true;
            closeChannel();
        }
    }

    /** How many bytes of whole lines from {@code from} fit in {@code room}. */
    private static int wholeLinesWithin(byte[] lines, int from, int len, long room) {
        int fit = 0;
        for (int i = from; i < len && i - from < room; i++) {
            if (lines[i] == '\n') fit = i - from + 1;
        }
        return fit;
    }

    private static int firstLine(byte[] lines, int from, int len) {
        for (int i = from; i < len; i++) {
            if (lines[i] == '\n') return i - from + 1;
        }
        return len - from;
    }

    /**
     * Starts a new file now. Called with this file's lock held, by {@link #line} or by the budget
     * on behalf of the writing thread.
     */
    synchronized void rotate() throws IOException {
        closeChannel();
        if (maxFiles == 0) {
            Files.deleteIfExists(path);
        } else {
            Files.deleteIfExists(LogFiles.rotated(path, maxFiles));
            for (int i = maxFiles - 1; i >= 1; i--) {
                Path from = LogFiles.rotated(path, i);
                move(from, LogFiles.rotated(path, i + 1));
            }
            move(path, LogFiles.rotated(path, 1));
        }
        open();
    }

    /** Renames, unless the budget (or a flush) deleted the file meanwhile. */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            // gone already: nothing to keep
        }
    }

    private void open() throws IOException {
        if (channel != null && channel.isOpen()) return;
        Files.createDirectories(path.getParent());
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
    }

    private void closeChannel() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to write to it
        }
        channel = null;
    }

    @Override
    public synchronized void close() {
        closed = true;
        closeChannel();
    }
}
