package io.jcluster.cli.top;

import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.AppTotals;
import io.jcluster.cli.metrics.WorkerSnapshot;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * One frame of {@code jcluster top}, as a pure function of a {@link TopState} and the terminal's
 * size: a title, the app's totals, a sparkline of the total requests per second over the last
 * minute, a blank line, the column headers, one row per worker, and a footer at the bottom.
 * Columns that do not fit give way, least important first; rows that do not fit scroll.
 */
public final class TopView {
    /** Lines above the workers' rows. */
    public static final int HEADER_LINES = 5;
    /** The sparkline covers this much time, one bar per snapshot. */
    public static final long SPARK_MILLIS = 60_000;
    private static final String UNICODE_BARS = "▁▂▃▄▅▆▇█";
    private static final String ASCII_BARS = ".:-=+*#@";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private TopView() {}

    private static final Function<WorkerSnapshot, String> STATE = WorkerSnapshot::state;

    /** A column: its header, width, alignment, and how important it is (0 = most). */
    record Column(String header, int width, boolean left, int priority, SortColumn sort, Function<WorkerSnapshot, String> value) {}

    /** Every column, in the order they are shown. */
    static final List<Column> COLUMNS = List.of(
            new Column("SLOT", 4, false, 0, SortColumn.SLOT, w -> w.slot() < 0 ? "-" : Integer.toString(w.slot())), // a spare: STATE says spare
            new Column("PID", 7, false, 1, null, w -> w.pid() == 0 ? Figures.MISSING : Long.toString(w.pid())),
            new Column("STATE", 8, true, 2, null, TopView.STATE),
            new Column("GEN", 3, false, 15, null, w -> Long.toString(w.generation())),
            new Column("UPTIME", 6, false, 13, null, w -> w.pid() == 0 ? Figures.MISSING : Figures.uptime(w.uptimeMillis())),
            new Column("CPU%", 5, false, 5, SortColumn.CPU, w -> Figures.percent(w.cpuPercent())),
            new Column("RSS", 5, false, 6, SortColumn.RSS, w -> Figures.bytes(w.rssBytes())),
            new Column("HEAP", 9, false, 7, SortColumn.HEAP, w -> Figures.usedOf(w.heapUsedBytes(), w.heapMaxBytes())),
            new Column("RPS", 6, false, 3, SortColumn.RPS, w -> Figures.rate(w.requestsPerSecond())),
            new Column("P99", 6, false, 4, SortColumn.P99, w -> Figures.millis(w.latencyP99Millis())),
            new Column("5XX/S", 5, false, 16, null, w -> Figures.rate(w.errorsPerSecond())),
            new Column("LAG", 6, false, 8, SortColumn.LAG, w -> Figures.millis(w.loopLagP99Millis())),
            new Column("CONN", 5, false, 14, null, w -> w.openConnections() == null ? Figures.MISSING : Long.toString(w.openConnections())),
            new Column("SHED/S", 6, false, 12, null, w -> Figures.rate(w.shedPerSecond())),
            new Column("GC/S", 5, false, 11, null, w -> Figures.perSecond(w.gcPerSecond())),
            new Column("GCMS/S", 6, false, 9, SortColumn.GC, w -> Figures.perSecond(w.gcMillisPerSecond())),
            new Column("PAUSE", 5, false, 10, null, w -> Figures.millis(w.gcPauseMaxMillis())));

    /** The frame: exactly {@code height} lines, none wider than {@code width} columns. */
    public static List<AttributedString> render(TopState s, int width, int height) {
        List<WorkerSnapshot> rows = rows(s);
        int visible = visibleRows(height);
        int first = Math.max(0, Math.min(s.firstRow(), rows.size() - visible));
        List<WorkerSnapshot> shown = rows.subList(Math.min(first, rows.size()), Math.min(rows.size(), first + visible));
        String more = rows.size() > shown.size() && !shown.isEmpty()
                ? "workers " + (first + 1) + "-" + (first + shown.size()) + " of " + rows.size() : null;
        List<AttributedString> lines = header(s, width, more);
        List<Column> columns = columns(width);
        for (WorkerSnapshot w : shown) lines.add(row(s, w, columns, width));
        while (lines.size() < height - 1) lines.add(AttributedString.EMPTY);
        List<AttributedString> frame = new ArrayList<>(lines.subList(0, Math.max(0, Math.min(lines.size(), height - 1))));
        if (height > 0) frame.add(footer(s, width));
        return frame;
    }

    /** Every row, as {@code top --once} prints it: as many lines as it takes. */
    public static List<AttributedString> renderAll(TopState s, int width) {
        int rows = s.snapshot() == null ? 0 : s.snapshot().workers().size();
        return render(s, width, HEADER_LINES + rows + 1);
    }

    /** How many workers' rows fit in {@code height} lines. */
    public static int visibleRows(int height) {
        return Math.max(0, height - HEADER_LINES - 1);
    }

    /** The workers in the order of the sort column. */
    public static List<WorkerSnapshot> rows(TopState s) {
        if (s.snapshot() == null) return List.of();
        List<WorkerSnapshot> rows = new ArrayList<>(s.snapshot().workers());
        rows.sort(s.sort().comparator());
        return rows;
    }

    /**
     * The first row to show so that row {@code selected} is visible, moving as little as possible
     * from {@code firstRow}.
     */
    public static int scroll(int firstRow, int selected, int visible, int total) {
        int first = firstRow;
        if (selected >= 0 && visible > 0) {
            if (selected < first) first = selected;
            if (selected >= first + visible) first = selected - visible + 1;
        }
        return Math.max(0, Math.min(first, total - visible));
    }

    /** The columns that fit in {@code width}, in display order. */
    static List<Column> columns(int width) {
        List<Column> kept = new ArrayList<>(COLUMNS);
        List<Column> byImportance = new ArrayList<>(COLUMNS);
        byImportance.sort(Comparator.comparingInt(Column::priority).reversed());
        for (Column least : byImportance) {
            if (tableWidth(kept) <= width || kept.size() == 1) break;
            kept.remove(least);
        }
        return kept;
    }

    private static int tableWidth(List<Column> columns) {
        int w = -1;
        for (Column c : columns) w += c.width() + 1;
        return w;
    }

    private static List<AttributedString> header(TopState s, int width, String more) {
        List<AttributedString> lines = new ArrayList<>();
        AppSnapshot snap = s.snapshot();
        AttributedStringBuilder title = new AttributedStringBuilder();
        title.style(AttributedStyle.BOLD).append("jcluster top").style(AttributedStyle.DEFAULT).append("  ").append(s.app());
        if (snap != null) {
            title.append("  ").style(stateStyle(s, snap.state())).append(snap.state()).style(AttributedStyle.DEFAULT);
            String clock = CLOCK.format(Instant.ofEpochMilli(snap.atEpochMillis()).atZone(s.zone()));
            String right = "every " + seconds(snap.intervalMillis()) + "  " + clock;
            int pad = width - title.columnLength() - right.length();
            if (pad >= 2) title.append(" ".repeat(pad)).append(right);
        }
        lines.add(cut(title, width));
        if (snap == null) {
            lines.add(cut(new AttributedStringBuilder().append("waiting for the first snapshot of " + s.app() + "..."), width));
            lines.add(AttributedString.EMPTY);
        } else {
            lines.add(cut(totals(s, snap.totals(), width), width));
            lines.add(cut(sparkline(s, snap.intervalMillis(), width), width));
        }
        // Where the rows are, when they do not all fit: right above them.
        lines.add(more == null || more.length() > width ? AttributedString.EMPTY
                : new AttributedString(" ".repeat(width - more.length()) + more));
        lines.add(columnHeaders(s, width));
        return lines;
    }

    /** The app's totals, most important first; a pair that does not fit is left out whole. */
    private static AttributedStringBuilder totals(TopState s, AppTotals t, int width) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        pair(s, b, width, "RPS", Figures.rate(t.requestsPerSecond()), false);
        pair(s, b, width, "p99", Figures.millis(t.latencyP99Millis()), false);
        if (t.errorsPerSecond() != null) pair(s, b, width, "5xx/s", Figures.rate(t.errorsPerSecond()), t.errorsPerSecond() > 0);
        pair(s, b, width, "workers", t.ready() + "/" + t.workers() + " ready", t.ready() < t.workers());
        pair(s, b, width, "restarts", Integer.toString(t.restarts()), false);
        pair(s, b, width, "shed/s", Figures.rate(t.shedPerSecond()), t.shedPerSecond() != null && t.shedPerSecond() > 0);
        pair(s, b, width, "CPU%", Figures.percent(t.cpuPercent()), false);
        pair(s, b, width, "RSS", Figures.bytes(t.rssBytes()), false);
        return b;
    }

    private static void pair(TopState s, AttributedStringBuilder b, int width, String label, String value, boolean alarm) {
        int sep = b.length() > 0 ? 2 : 0;
        if (b.columnLength() + sep + label.length() + 1 + value.length() > width) return;
        if (sep > 0) b.append("  ");
        b.append(label).append(' ');
        b.style(alarm && s.color() ? AttributedStyle.BOLD.foreground(AttributedStyle.RED) : AttributedStyle.BOLD).append(value);
        b.style(AttributedStyle.DEFAULT);
    }

    private static AttributedStringBuilder sparkline(TopState s, long intervalMillis, int width) {
        String label = "RPS 1m ";
        List<Double> history = s.rpsHistory();
        int perMinute = (int) Math.max(1, SPARK_MILLIS / Math.max(1, intervalMillis));
        Double peak = null;
        int n = Math.min(history.size(), perMinute);
        List<Double> values = history.subList(history.size() - n, history.size());
        for (Double v : values) if (v != null) peak = peak == null ? v : Math.max(peak, v);
        String suffix = " peak " + Figures.rate(peak);
        int room = Math.min(perMinute, width - label.length() - suffix.length());
        AttributedStringBuilder b = new AttributedStringBuilder().append(label);
        if (room <= 0) return b;
        values = values.subList(Math.max(0, values.size() - room), values.size());
        String bars = s.unicode() ? UNICODE_BARS : ASCII_BARS;
        StringBuilder line = new StringBuilder(" ".repeat(room - values.size()));
        for (Double v : values) {
            if (v == null || v <= 0 || peak == null || peak <= 0) {
                line.append(' ');
            } else {
                int level = (int) Math.ceil(v / peak * bars.length());
                line.append(bars.charAt(Math.max(1, Math.min(bars.length(), level)) - 1));
            }
        }
        b.style(s.color() ? AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN) : AttributedStyle.DEFAULT).append(line);
        b.style(AttributedStyle.DEFAULT).append(suffix);
        return b;
    }

    private static AttributedString columnHeaders(TopState s, int width) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        List<Column> columns = columns(width);
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            if (i > 0) b.append(' ');
            AttributedStyle style = AttributedStyle.BOLD;
            if (c.sort() == s.sort()) style = style.underline();
            b.style(style).append(pad(c.header(), c.width(), c.left())).style(AttributedStyle.DEFAULT);
        }
        return cut(b, width);
    }

    private static AttributedString row(TopState s, WorkerSnapshot w, List<Column> columns, int width) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        boolean selected = w.slot() == s.selectedSlot();
        AttributedStyle base = selected ? AttributedStyle.INVERSE : AttributedStyle.DEFAULT;
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            b.style(base);
            if (i > 0) b.append(' ');
            String v = c.value().apply(w);
            if (c.value() == STATE) {
                AttributedStyle state = stateStyle(s, v);
                b.style(selected ? state.inverse() : state);
            }
            b.append(pad(v == null ? Figures.MISSING : v, c.width(), c.left()));
        }
        b.style(AttributedStyle.DEFAULT);
        return cut(b, width);
    }

    private static AttributedString footer(TopState s, int width) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        if (s.footer() != null) {
            b.style(AttributedStyle.BOLD).append(s.footer()).style(AttributedStyle.DEFAULT);
        } else {
            b.append("q quit  ").append(s.unicode() ? "\u2191\u2193" : "up/down").append(" select  k restart  r reload  "
                    + "+/- scale  s sort: " + s.sort().label());
        }
        return cut(b, width);
    }

    private static AttributedStyle stateStyle(TopState s, String state) {
        if (!s.color() || state == null) return AttributedStyle.DEFAULT;
        return switch (state) {
            case "ready", "online" -> AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
            case "starting", "draining", "stopping", "degraded" -> AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW);
            case "backoff", "errored", "stopped", "exited" -> AttributedStyle.DEFAULT.foreground(AttributedStyle.RED);
            default -> AttributedStyle.DEFAULT;
        };
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static String pad(String v, int width, boolean left) {
        if (v.length() >= width) return v;
        String fill = " ".repeat(width - v.length());
        return left ? v + fill : fill + v;
    }

    private static AttributedString cut(AttributedStringBuilder b, int width) {
        AttributedString s = b.toAttributedString();
        return s.columnLength() <= width ? s : s.columnSubSequence(0, Math.max(0, width));
    }
}
