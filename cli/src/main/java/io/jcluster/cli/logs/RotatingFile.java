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
 * {@link LogBudget}. Lines are written whole, each with one write call, so a reader never sees
 * half a line from one writer mixed with another's.
 *
 * <p>The file is opened in append mode: when {@code jcluster flush} truncates it, the next line
 * goes to its new end. Thread-safe.
 */
final class RotatingFile implements LineSink {
    private static final byte[] NEWLINE = {'\n'};

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
    public synchronized void line(byte[] prefix, byte[] line, int off, int len) {
        if (closed) return;
        long n = (long) prefix.length + len + 1;
        try {
            open();
            if (size + n > maxSize && size > 0) {
                size = channel.size(); // it may have been flushed since
                if (size + n > maxSize && size > 0) rotate();
            }
            budget.reserve(n, this);
            ByteBuffer[] parts = {ByteBuffer.wrap(prefix), ByteBuffer.wrap(line, off, len), ByteBuffer.wrap(NEWLINE)};
            long left = n;
            while (left > 0) left -= channel.write(parts);
            size += n;
            broken = false;
        } catch (IOException e) {
            // A full disk or a deleted directory must not stop the worker: its output is dropped
            // (said once on stderr, which is the primary's log) until a write works again.
            if (!broken) System.err.println("jcluster: cannot write " + path + ": " + e.getMessage());
            broken = true;
            closeChannel();
        }
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
