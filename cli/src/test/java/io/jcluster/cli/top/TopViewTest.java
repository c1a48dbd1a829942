package io.jcluster.cli.top;

import static io.jcluster.cli.top.Snapshots.app;
import static io.jcluster.cli.top.Snapshots.bare;
import static io.jcluster.cli.top.Snapshots.rising;
import static io.jcluster.cli.top.Snapshots.served;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.WorkerSnapshot;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.Test;

/** The dashboard's frames, row by row: rendering is a pure function of a state and a size. */
class TopViewTest {
    private static final String KEYS = "q quit  \u2191\u2193 select  k restart  r reload  +/- scale  s sort: slot";

    private static TopState state(AppSnapshot snapshot, List<Double> rps, int selected, int firstRow) {
        return new TopState("hello", snapshot, rps, selected, firstRow, SortColumn.SLOT, null, false, true, ZoneOffset.UTC);
    }

    private static List<String> text(List<AttributedString> frame) {
        List<String> lines = new ArrayList<>();
        for (AttributedString l : frame) lines.add(l.toString());
        return lines;
    }

    private static List<String> frame(int height, String... lines) {
        List<String> all = new ArrayList<>(Arrays.asList(lines));
        String footer = all.remove(all.size() - 1);
        while (all.size() < height - 1) all.add("");
        all.add(footer);
        return all;
    }

    private static AppSnapshot twoServed() {
        return app("online", List.of(served(0, 1234.5, 4.2, 45.2), served(1, 987, 12.7, 101)), 2221.5, 12.7);
    }

    @Test
    void at80x24LessImportantColumnsGiveWay() {
        List<AttributedString> f = TopView.render(state(twoServed(), rising(), 1, 0), 80, 24);
        assertEquals(frame(24,
                "jcluster top  hello  online                                   every 1s  12:34:56",
                "RPS 2222  p99 13ms  workers 2/2 ready  restarts 2  shed/s 0  CPU% 146  RSS 624M",
                "RPS 1m  \u2581\u2581\u2581\u2581\u2581\u2581\u2581\u2582\u2582\u2582\u2582\u2582\u2582\u2582\u2583\u2583\u2583\u2583\u2583"
                        + "\u2583\u2583\u2583\u2584\u2584\u2584\u2584\u2584\u2584\u2584\u2585\u2585\u2585\u2585\u2585\u2585\u2585"
                        + "\u2586\u2586\u2586\u2586\u2586\u2586\u2586\u2586\u2587\u2587\u2587\u2587\u2587\u2587\u2587\u2588\u2588"
                        + "\u2588\u2588\u2588\u2588\u2588\u2588 peak 590",
                "",
                "SLOT     PID STATE     CPU%   RSS      HEAP    RPS    P99    LAG GCMS/S PAUSE",
                "   0    4200 ready     45.2  312M 120M/256M   1235  4.2ms  400us    5.5   3ms",
                "   1    4201 ready      101  312M 120M/256M    987   13ms  400us    5.5   3ms",
                KEYS), text(f));
        for (AttributedString line : f) assertTrue(line.columnLength() <= 80, line::toString);
    }

    @Test
    void at200x50EveryColumnShows() {
        List<AttributedString> f = TopView.render(state(twoServed(), rising(), 1, 0), 200, 50);
        assertEquals(50, f.size());
        assertEquals("jcluster top  hello  online" + " ".repeat(200 - 27 - 18) + "every 1s  12:34:56", f.get(0).toString());
        assertEquals("SLOT     PID STATE    GEN UPTIME  CPU%   RSS      HEAP    RPS    P99 5XX/S    LAG  CONN SHED/S  GC/S GCMS/S PAUSE",
                f.get(4).toString());
        assertEquals("   0    4200 ready      3   2m5s  45.2  312M 120M/256M   1235  4.2ms     -  400us    64      0   2.0    5.5   3ms",
                f.get(5).toString());
        assertEquals("   1    4201 ready      3   2m5s   101  312M 120M/256M    987   13ms     -  400us    64      0   2.0    5.5   3ms",
                f.get(6).toString());
        for (int i = 7; i < 49; i++) assertEquals("", f.get(i).toString(), "line " + i);
        assertEquals(KEYS, f.get(49).toString());
    }

    @Test
    void moreWorkersThanRowsScrollWithTheSelection() {
        List<WorkerSnapshot> many = new ArrayList<>();
        for (int i = 0; i < 32; i++) many.add(served(i, i * 10, i, i));
        AppSnapshot snapshot = app("online", many, 3100.0, 31.0);
        int visible = TopView.visibleRows(24);
        assertEquals(18, visible);
        // Selecting slot 25 from the top scrolls just enough to show it at the bottom.
        int first = TopView.scroll(0, 25, visible, 32);
        assertEquals(8, first);
        List<String> f = text(TopView.render(state(snapshot, List.of(), 25, first), 80, 24));
        assertEquals(24, f.size());
        assertEquals(" ".repeat(80 - 18) + "workers 9-26 of 32", f.get(3), "right above the rows, right-aligned");
        assertEquals("SLOT     PID STATE     CPU%   RSS      HEAP    RPS    P99    LAG GCMS/S PAUSE", f.get(4));
        assertEquals("   8    4208 ready      8.0  312M 120M/256M   80.0  8.0ms  400us    5.5   3ms", f.get(5));
        assertEquals("  25    4225 ready     25.0  312M 120M/256M    250   25ms  400us    5.5   3ms", f.get(22));
        assertEquals(KEYS, f.get(23));
        // Back up to slot 3: the window follows; and it never runs past the end.
        assertEquals(3, TopView.scroll(first, 3, visible, 32));
        assertEquals(14, TopView.scroll(30, 31, visible, 32));
        List<String> last = text(TopView.render(state(snapshot, List.of(), 31, 99), 80, 24));
        assertEquals("  31    4231 ready     31.0  312M 120M/256M    310   31ms  400us    5.5   3ms", last.get(22));
        assertEquals(" ".repeat(80 - 19) + "workers 15-32 of 32", last.get(3));
    }

    @Test
    void missingFiguresShowAsDashNeverZero() {
        AppSnapshot plain = app("online", List.of(bare(0), bare(1)), null, null);
        List<String> f = text(TopView.render(state(plain, Arrays.asList(null, null, null), -1, 0), 120, 10));
        assertEquals(frame(10,
                "jcluster top  hello  online" + " ".repeat(120 - 27 - 18) + "every 1s  12:34:56",
                "RPS -  p99 -  workers 2/2 ready  restarts 0  shed/s -  CPU% 1.0  RSS 160M",
                "RPS 1m " + " ".repeat(60) + " peak -",
                "",
                "SLOT     PID STATE    GEN UPTIME  CPU%   RSS      HEAP    RPS    P99 5XX/S    LAG  CONN SHED/S  GC/S GCMS/S PAUSE",
                "   0    4300 ready      1    59s   0.5   80M   12M/64M      -      -     -      -     -      -     0      0     0",
                "   1    4301 ready      1    59s   0.5   80M   12M/64M      -      -     -      -     -      -     0      0     0",
                KEYS), f);

        // A slot without a worker (backing off) has nothing but its state.
        WorkerSnapshot backoff = WorkerSnapshot.bare(2, 0, "backoff", 1, 4, 0, null);
        List<String> g = text(TopView.render(state(app("degraded", List.of(bare(0), backoff), null, null), List.of(), -1, 0), 120, 10));
        assertEquals("   2       - backoff    1      -     -     -         -      -      -     -      -     -      -     -      -     -", g.get(6));
        assertEquals("RPS -  p99 -  workers 1/2 ready  restarts 4  shed/s -  CPU% 0.5  RSS 80M", g.get(1));

        // A warm spare comes after the slots; its state says what it is.
        WorkerSnapshot spare = WorkerSnapshot.bare(-1, 4400, "spare", 1, 0, 5000, 50L << 20);
        List<String> h = text(TopView.render(state(app("online", List.of(spare, bare(0)), null, null), List.of(), -1, 0), 120, 10));
        assertTrue(h.get(5).startsWith("   0    4300 ready"), h.get(5));
        assertTrue(h.get(6).startsWith("   -    4400 spare      1     5s     -   50M"), h.get(6));
    }

    @Test
    void beforeTheFirstSnapshotItSaysSo() {
        List<String> f = text(TopView.render(state(null, List.of(), -1, 0), 60, 8));
        assertEquals(frame(8, "jcluster top  hello", "waiting for the first snapshot of hello...", "", "",
                "SLOT     PID STATE     CPU%   RSS      HEAP    RPS    P99", KEYS.substring(0, 60)), f);
    }

    @Test
    void aNarrowTerminalKeepsTheMostImportantColumnsAndCutsLines() {
        List<String> f = text(TopView.render(state(twoServed(), rising(), -1, 0), 40, 12));
        assertEquals("SLOT     PID STATE       RPS    P99", f.get(4));
        assertEquals("   0    4200 ready      1235  4.2ms", f.get(5));
        assertEquals("RPS 2222  p99 13ms  workers 2/2 ready", f.get(1), "totals that do not fit are left out whole");
        for (String line : f) assertTrue(line.length() <= 40, line);
    }

    @Test
    void sortingByAFigurePutsTheHighestFirstAndMissingLast() {
        AppSnapshot mixed = app("online", List.of(served(0, 10, 1, 1), bare(1), served(2, 500, 1, 1)), 510.0, 1.0);
        TopState byRps = new TopState("hello", mixed, List.of(), -1, 0, SortColumn.RPS, null, false, true, ZoneOffset.UTC);
        List<Integer> order = TopView.rows(byRps).stream().map(WorkerSnapshot::slot).toList();
        assertEquals(List.of(2, 0, 1), order);
        assertTrue(text(TopView.render(byRps, 120, 10)).get(9).endsWith("s sort: rps"));
        assertEquals(SortColumn.RPS, SortColumn.SLOT.next());
        assertEquals(SortColumn.SLOT, SortColumn.GC.next());
    }

    @Test
    void colorsOnlyWhenAllowedAndTheSelectionIsInverse() {
        TopState plain = state(twoServed(), rising(), 0, 0);
        TopState colored = new TopState("hello", twoServed(), rising(), 0, 0, SortColumn.SLOT, null, true, true, ZoneOffset.UTC);
        List<AttributedString> f = TopView.render(plain, 120, 10);
        assertTrue(f.get(5).toAnsi().startsWith("\033[7m"), "the selected row is inverse, with or without colors: " + f.get(5).toAnsi());
        assertFalse(f.get(6).toAnsi().contains("\033[7m"));
        for (AttributedString line : f) {
            assertFalse(line.toAnsi().contains("\033[3"), "NO_COLOR: no foreground colors in " + line.toAnsi());
        }
        assertTrue(TopView.render(colored, 120, 10).get(6).toAnsi().contains("\033[32mready"), "ready is green");
    }

    @Test
    void onceRendersEveryRowInAsciiWhenAsked() {
        List<WorkerSnapshot> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) many.add(served(i, 1, 1, 1));
        TopState ascii = new TopState("hello", app("online", many, 40.0, 1.0), rising(), -1, 0, SortColumn.SLOT, null, false,
                false, ZoneOffset.UTC);
        List<String> f = text(TopView.renderAll(ascii, 120));
        assertEquals(TopView.HEADER_LINES + 40 + 1, f.size());
        assertEquals("RPS 1m  .......:::::::--------=======+++++++********#######@@@@@@@@ peak 590", f.get(2));
        assertTrue(f.get(f.size() - 2).startsWith("  39    4239 ready"), f.get(f.size() - 2));
        assertEquals("q quit  up/down select  k restart  r reload  +/- scale  s sort: slot", f.get(f.size() - 1));
    }
}
