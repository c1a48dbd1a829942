package io.jcluster.cli.logs;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/** The last lines of log sources, read from their ends (and from rotated files when the current one is short). */
public final class RecentLines {
    private static final int CHUNK = 64 * 1024;

    private RecentLines() {}

    /**
     * The last {@code n} lines of each source, up to {@code ends[i]} bytes of source i's current
     * file, merged into one list by their timestamps (lines without one keep their place after
     * the line before them in the same file).
     */
    public static List<LogLine> merged(List<LogSource> sources, long[] ends, int n) throws IOException {
        record Keyed(String key, int source, int index, LogLine line) {}
        List<Keyed> all = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            LogSource s = sources.get(i);
            List<String> lines = last(s.file(), ends[i], n);
            String key = "";
            for (int j = 0; j < lines.size(); j++) {
                LogLine line = new LogLine(s, lines.get(j));
                String ts = line.timestamp();
                if (ts != null) key = ts;
                all.add(new Keyed(key, i, j, line));
            }
        }
        all.sort(Comparator.comparing(Keyed::key).thenComparingInt(Keyed::source).thenComparingInt(Keyed::index));
        return all.stream().map(Keyed::line).toList();
    }

    /** The last {@code n} lines of {@code current} (its first {@code end} bytes), then of {@code current.1} and so on. */
    static List<String> last(Path current, long end, int n) throws IOException {
        List<String> lines = new ArrayList<>();
        if (n <= 0) return lines;
        lines.addAll(0, lastOf(current, end, n));
        for (int i = 1; lines.size() < n; i++) {
            Path older = LogFiles.rotated(current, i);
            if (!Files.exists(older)) break;
            lines.addAll(0, lastOf(older, Long.MAX_VALUE, n - lines.size()));
        }
        return lines;
    }

    /** The last {@code n} complete lines in the first {@code end} bytes of {@code file}. */
    static List<String> lastOf(Path file, long end, int n) throws IOException {
        List<String> lines = new ArrayList<>();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long limit = Math.min(end, f.length());
            long pos = limit;
            byte[] tail = new byte[0]; // bytes after the last newline found so far, in file order
            boolean first = true;
            while (pos > 0 && lines.size() < n) {
                int size = (int) Math.min(CHUNK, pos);
                pos -= size;
                byte[] buf = new byte[size + tail.length];
                f.seek(pos);
                f.readFully(buf, 0, size);
                System.arraycopy(tail, 0, buf, size, tail.length);
                int lineEnd = buf.length;
                if (first && lineEnd > 0 && buf[lineEnd - 1] == '\n') lineEnd--; // the file's last line end
                first = false;
                int i = lineEnd - 1;
                for (; i >= 0 && lines.size() < n; i--) {
                    if (buf[i] == '\n') {
                        lines.add(new String(buf, i + 1, lineEnd - i - 1, StandardCharsets.UTF_8));
                        lineEnd = i;
                    }
                }
                tail = java.util.Arrays.copyOf(buf, lineEnd);
                if (i >= 0) break; // found n lines
            }
            if (pos == 0 && lines.size() < n && tail.length > 0) lines.add(new String(tail, StandardCharsets.UTF_8));
        } catch (java.io.FileNotFoundException e) {
            return lines;
        }
        Collections.reverse(lines);
        return lines;
    }

    /** The end of the last complete line of {@code file}: where a follower starts so that it sees no half line twice. */
    public static long completeEnd(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int size = (int) Math.min(CHUNK, len);
            byte[] buf = new byte[size];
            f.seek(len - size);
            f.readFully(buf);
            for (int i = size - 1; i >= 0; i--) {
                if (buf[i] == '\n') return len - size + i + 1;
            }
            return size == len ? 0 : len;
        } catch (IOException e) {
            return 0;
        }
    }
}
