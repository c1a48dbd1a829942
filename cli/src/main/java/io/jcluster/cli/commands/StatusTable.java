package io.jcluster.cli.commands;

import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.WorkerSnapshot;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.ExitRecord;
import io.jcluster.cli.control.WorkerStatus;
import java.io.PrintWriter;
import io.jcluster.cli.top.Figures;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The {@code ls} table: one row per worker, then the reasons of apps that are not online. */
final class StatusTable {
    private static final String[] HEADER = {"APP", "STATE", "PORT", "SLOT", "PID", "WORKER", "GEN", "UPTIME", "RESTARTS", "LAST EXIT"};
    private static final String[] HEADER_WITH_FIGURES = {"APP", "STATE", "PORT", "SLOT", "PID", "WORKER", "GEN", "UPTIME",
        "RESTARTS", "CPU%", "MEM", "RPS", "LAST EXIT"};

    private StatusTable() {}

    static void print(PrintWriter out, List<AppStatus> apps) {
        print(out, apps, null);
    }

    /**
     * The table; with {@code figures} (app name → latest snapshot; an app may be missing) it has
     * CPU%, MEM (RSS) and RPS columns, {@code -} where a figure is not known.
     */
    static void print(PrintWriter out, List<AppStatus> apps, Map<String, AppSnapshot> figures) {
        String[] header = figures == null ? HEADER : HEADER_WITH_FIGURES;
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        for (AppStatus app : apps) {
            Map<Integer, WorkerSnapshot> bySlot = new HashMap<>();
            AppSnapshot snapshot = figures == null ? null : figures.get(app.name());
            if (snapshot != null) for (WorkerSnapshot w : snapshot.workers()) bySlot.put(w.slot(), w);
            List<WorkerStatus> rowsOfApp = new ArrayList<>(app.workers());
            rowsOfApp.addAll(app.spares());
            for (WorkerStatus w : rowsOfApp) {
                ExitRecord e = w.lastExit();
                List<String> row = new ArrayList<>(List.of(app.name(), app.state(), app.portsText(),
                        Figures.slot(w.slot()), w.pid() == 0 ? "-" : Long.toString(w.pid()), w.state(),
                        Long.toString(w.generation()), w.pid() == 0 ? "-" : duration(w.uptimeMillis()),
                        Integer.toString(w.restarts())));
                if (figures != null) {
                    WorkerSnapshot f = bySlot.get(w.slot());
                    boolean same = f != null && f.pid() == w.pid() && w.pid() != 0;
                    row.add(same ? Figures.percent(f.cpuPercent()) : Figures.MISSING);
                    row.add(same ? Figures.bytes(f.rssBytes()) : Figures.MISSING);
                    row.add(same ? Figures.rate(f.requestsPerSecond()) : Figures.MISSING);
                }
                row.add(e == null ? "-" : e.describe());
                rows.add(row.toArray(new String[0]));
            }
        }
        int[] widths = new int[header.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) widths[i] = Math.max(widths[i], r[i].length());
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(widths[i] - r[i].length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
        for (AppStatus app : apps) {
            if (app.nextRecycleAtEpochMillis() != null) {
                long in = app.nextRecycleAtEpochMillis() - System.currentTimeMillis();
                out.println(app.name() + ": next recycle " + java.time.Instant.ofEpochMilli(app.nextRecycleAtEpochMillis())
                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (in " + Figures.uptime(Math.max(0, in)) + ")");
            }
        }
        for (AppStatus app : apps) {
            if (app.reason() == null) continue;
            out.println();
            out.println(app.name() + ": " + app.state() + ": " + app.reason());
            for (WorkerStatus w : app.workers()) {
                if (!"errored".equals(w.state()) || w.lastExit() == null) continue;
                if (w.lastExit().lastLines().isEmpty()) continue;
                out.println("  last output of slot " + w.slot() + ":");
                for (String l : w.lastExit().lastLines()) out.println("    | " + l);
                break;
            }
        }
        out.flush();
    }

    /** 45s, 12m, 3h, 2d: the largest unit that fits. */
    static String duration(long ms) {
        long s = ms / 1000;
        if (s < 60) return s + "s";
        if (s < 3600) return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
        if (s < 86400) return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : s % 3600 / 60 + "m");
        return s / 86400 + "d" + (s % 86400 / 3600 == 0 ? "" : s % 86400 / 3600 + "h");
    }
}
