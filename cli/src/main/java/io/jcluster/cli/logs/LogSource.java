package io.jcluster.cli.logs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One stream of one slot of one app, as {@code jcluster logs} reads it: the current file and,
 * behind it, its rotated predecessors.
 */
public record LogSource(String app, int slot, LogFiles.Stream stream, Path file) {
    /** What {@code logs} prints before this source's lines: {@code hello/0} or {@code hello/0 err}. */
    public String label() {
        return app + "/" + slot + (stream == LogFiles.Stream.ERR ? " err" : "");
    }

    /**
     * The sources of {@code app} in {@code dir}: every slot (or only {@code slot} when it is not
     * null), stdout and stderr (or only one of them when {@code stream} is not null).
     */
    public static List<LogSource> of(String app, Path dir, Integer slot, LogFiles.Stream stream) {
        List<LogSource> sources = new ArrayList<>();
        for (int s : LogFiles.slots(dir)) {
            if (slot != null && s != slot) continue;
            for (LogFiles.Stream st : LogFiles.Stream.values()) {
                if (stream != null && st != stream) continue;
                Path f = LogFiles.current(dir, s, st);
                if (java.nio.file.Files.exists(f)) sources.add(new LogSource(app, s, st, f));
            }
        }
        return sources;
    }
}
