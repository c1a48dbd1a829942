package io.jcluster.cli.logs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cap on all of one app's log files together ({@code [logs] max_total}). Writers count every
 * line here; when the count would pass the cap, the real sizes are read again and the oldest
 * rotated files are deleted until the line fits. If deleting every rotated file is not enough,
 * the writing file itself is rotated and its old part deleted. So the directory stays within the
 * cap, give or take the line being written.
 */
final class LogBudget {
    private final Path dir;
    private final long maxTotal;
    private final AtomicLong used;

    LogBudget(Path dir, long maxTotal) {
        this.dir = dir;
        this.maxTotal = maxTotal;
        this.used = new AtomicLong(total(LogFiles.list(dir)));
    }

    /** Makes room for {@code n} more bytes of {@code writer}, which holds its own lock. */
    void reserve(long n, RotatingFile writer) throws IOException {
        if (used.addAndGet(n) <= maxTotal) return;
        synchronized (this) {
            List<Path> files = LogFiles.list(dir);
            long total = total(files);
            if (total + n <= maxTotal) {
                used.set(total + n);
                return;
            }
            List<Path> rotated = new ArrayList<>(files.stream().filter(LogFiles::isRotated).toList());
            rotated.sort(Comparator.comparingLong(LogBudget::modified));
            for (Path p : rotated) {
                if (total + n <= maxTotal) break;
                long s = size(p);
                Files.deleteIfExists(p);
                total -= s;
            }
            if (total + n > maxTotal) {
                long own = size(writer.path());
                writer.rotate();
                for (Path p : LogFiles.list(dir)) {
                    if (LogFiles.isRotated(p) && p.getFileName().toString().startsWith(writer.path().getFileName() + ".")) {
                        total -= size(p);
                        Files.deleteIfExists(p);
                    }
                }
                if (own == 0) total = total(LogFiles.list(dir));
            }
            used.set(Math.max(0, total) + n);
        }
    }

    private static long total(List<Path> files) {
        long sum = 0;
        for (Path p : files) sum += size(p);
        return sum;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
