package io.jcluster.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.Json;
import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.GcCollector;
import io.jcluster.cli.metrics.WorkerExit;
import io.jcluster.cli.metrics.WorkerSnapshot;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.CacheStatus;
import io.jcluster.cli.control.WorkerStatus;
import io.jcluster.cli.top.Figures;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster describe}: everything about one app. */
@Command(name = "describe", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Everything about one app: config, workers, recent exits.",
                "The config in force, each worker in detail (state, CPU, memory, heap,",
                "GC by collector, requests, latency), and the latest worker exits with",
                "their exit codes or signals and when they happened. Environment values",
                "whose names contain KEY, TOKEN, SECRET or PASSWORD (any case) are masked."})
final class Describe implements Callable<Integer> {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "<name>", description = "The app (default: the only one running).")
    String name;

    @Option(names = "--json", description = "Print it as JSON: status, metrics (the latest snapshot), config, exits.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Home home = Home.fromEnvironment();
        String app = AppArgument.resolve(home, name);
        ControlReply reply;
        try (ControlClient client = Apps.connect(home, app)) {
            reply = client.call(new ControlRequest(ControlRequest.DESCRIBE));
        } catch (AppNotRunningException e) {
            throw new ExitException(ExitException.FAILURE, e.getMessage());
        }
        if (!reply.ok()) throw new ExitException(ExitException.FAILURE, app + ": " + reply.error());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.set("status", Json.MAPPER.valueToTree(reply.status()));
            node.set("metrics", Json.MAPPER.valueToTree(reply.metrics()));
            node.set("config", Json.MAPPER.valueToTree(reply.config()));
            node.set("exits", Json.MAPPER.valueToTree(reply.exits()));
            node.set("cache", Json.MAPPER.valueToTree(reply.cache()));
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } else {
            print(out, reply, ZoneId.systemDefault());
        }
        out.flush();
        return 0;
    }

    /** What the spares cost: their count, how many are warm, their memory together. */
    static String spareCost(AppStatus s, Map<Integer, WorkerSnapshot> figures) {
        long rss = 0;
        int warm = 0;
        boolean known = false;
        for (WorkerStatus w : s.spares()) {
            if ("spare".equals(w.state())) warm++;
            WorkerSnapshot f = figures.get(w.slot());
            if (f != null && f.pid() == w.pid() && f.rssBytes() != null) {
                rss += f.rssBytes();
                known = true;
            }
        }
        return "spares: " + s.spares().size() + " (" + warm + " warm, waiting for a slot), costing "
                + (known ? Figures.bytes(rss) : "-") + " of memory (RSS) and no CPU while they wait";
    }

    /** Where the workers' request figures come from: one line when they all agree, else one per slot. */
    static String requestSources(AppStatus s, Map<Integer, WorkerSnapshot> figures) {
        Map<String, List<String>> slots = new java.util.LinkedHashMap<>();
        for (WorkerStatus w : s.workers()) {
            WorkerSnapshot f = figures.get(w.slot());
            if (w.pid() == 0 || f == null || f.pid() != w.pid()) continue;
            slots.computeIfAbsent(f.requestSource(), k -> new ArrayList<>()).add(Integer.toString(w.slot()));
        }
        if (slots.size() <= 1) {
            return "request figures: " + Figures.source(slots.isEmpty() ? null : slots.keySet().iterator().next());
        }
        StringBuilder b = new StringBuilder("request figures:");
        slots.forEach((source, of) -> b.append("\n  slot").append(of.size() > 1 ? "s " : " ").append(String.join(", ", of))
                .append(": ").append(Figures.source(source)));
        return b.toString();
    }

    /** The cache workers start from, whether each maps it, and what each costs in memory with it (PSS). */
    static void cache(PrintWriter out, CacheStatus c) {
        out.println();
        out.println("start cache (aot_cache)");
        out.println("  " + (c.kind() == null ? "" : c.kind() + ": ") + c.state()
                + (c.sizeBytes() == null ? "" : ", " + Figures.bytes(c.sizeBytes())) + (c.file() == null ? "" : ", " + c.file()));
        if (c.workers().isEmpty()) return;
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SLOT", "PID", "MAPS IT", "PSS"});
        long pss = 0;
        for (CacheStatus.Worker w : c.workers()) {
            rows.add(new String[] {Figures.slot(w.slot()), Long.toString(w.pid()),
                    w.mapped() == null ? "-" : w.mapped() ? "yes" : "no", w.pssBytes() == null ? "-" : Figures.bytes(w.pssBytes())});
            if (w.pssBytes() != null) pss += w.pssBytes();
        }
        table(out, rows);
        out.println("  workers' memory together (PSS: each one's own pages plus its share of the pages they map together): "
                + Figures.bytes(pss));
    }

    /** The text form. */
    static void print(PrintWriter out, ControlReply reply, ZoneId zone) {
        AppStatus s = reply.status();
        out.println(s.name() + ": " + s.state() + ", " + s.workers().size() + " worker" + (s.workers().size() == 1 ? "" : "s")
                + " on port" + (s.ports().size() > 1 ? "s " + String.join(", ", s.ports().stream().map(String::valueOf).toList())
                        : " " + s.port()) + " (listen " + s.listen() + "), primary pid " + s.primaryPid() + ", up "
                + Figures.uptime(s.uptimeMillis()));
        if (s.reason() != null) out.println("  " + s.reason());

        out.println();
        out.println("config in force");
        printToml(out, reply.config());

        out.println();
        out.println("workers");
        AppSnapshot snapshot = reply.metrics();
        Map<Integer, WorkerSnapshot> figures = new HashMap<>();
        if (snapshot != null) for (WorkerSnapshot w : snapshot.workers()) figures.put(w.slot(), w);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SLOT", "PID", "STATE", "GEN", "RESTARTS", "UPTIME", "CPU%", "RSS", "HEAP", "THREADS", "RPS",
                "P50", "P99", "MAX", "5XX/S", "LAG", "CONN", "INFLIGHT", "SHED/S", "GC/S", "GCMS/S", "PAUSE", "LAST EXIT"});
        List<WorkerStatus> all = new ArrayList<>(s.workers());
        all.addAll(s.spares());
        for (WorkerStatus w : all) {
            WorkerSnapshot f = figures.get(w.slot());
            boolean has = f != null && w.pid() != 0 && f.pid() == w.pid(); // figures of this very worker
            rows.add(new String[] {Figures.slot(w.slot()), w.pid() == 0 ? "-" : Long.toString(w.pid()), w.state(),
                    Long.toString(w.generation()), Integer.toString(w.restarts()),
                    w.pid() == 0 ? "-" : Figures.uptime(w.uptimeMillis()),
                    has ? Figures.percent(f.cpuPercent()) : "-",
                    has ? Figures.bytes(f.rssBytes()) : "-",
                    has ? Figures.usedOf(f.heapUsedBytes(), f.heapMaxBytes()) : "-",
                    has && f.threads() != null ? f.threads().toString() : "-",
                    has ? Figures.rate(f.requestsPerSecond()) : "-",
                    has ? Figures.millis(f.latencyP50Millis()) : "-",
                    has ? Figures.millis(f.latencyP99Millis()) : "-",
                    has ? Figures.millis(f.latencyMaxMillis()) : "-",
                    has ? Figures.rate(f.errorsPerSecond()) : "-",
                    has ? Figures.millis(f.loopLagP99Millis()) : "-",
                    has && f.openConnections() != null ? f.openConnections().toString() : "-",
                    has && f.inflightRequests() != null ? f.inflightRequests().toString() : "-",
                    has ? Figures.rate(f.shedPerSecond()) : "-",
                    has ? Figures.perSecond(f.gcPerSecond()) : "-",
                    has ? Figures.perSecond(f.gcMillisPerSecond()) : "-",
                    has ? Figures.millis(f.gcPauseMaxMillis()) : "-",
                    w.lastExit() == null ? "-" : w.lastExit().describe()});
        }
        table(out, rows);
        if (!s.spares().isEmpty()) out.println(spareCost(s, figures));
        out.println(requestSources(s, figures));
        if (reply.cache() != null) cache(out, reply.cache());

        List<String[]> gc = new ArrayList<>();
        gc.add(new String[] {"SLOT", "COLLECTOR", "COLLECTIONS", "TIME", "PAUSES"});
        for (WorkerStatus w : s.workers()) {
            WorkerSnapshot f = figures.get(w.slot());
            if (f == null || f.collectors() == null || w.pid() == 0 || f.pid() != w.pid()) continue;
            for (GcCollector c : f.collectors()) {
                gc.add(new String[] {Integer.toString(w.slot()), c.name(), Long.toString(c.count()),
                        Figures.millis(c.millis()), c.pauses() ? "yes" : "no (concurrent)"});
            }
        }
        if (gc.size() > 1) {
            out.println();
            out.println("garbage collectors, since each worker started");
            table(out, gc);
        }

        out.println();
        out.println("recent exits");
        List<WorkerExit> exits = reply.exits() == null ? List.of() : reply.exits();
        if (exits.isEmpty()) {
            out.println("  none");
        } else {
            List<String[]> e = new ArrayList<>();
            e.add(new String[] {"WHEN", "SLOT", "PID", "GEN", "EXIT", "REASON"});
            for (int i = exits.size() - 1; i >= 0; i--) {
                WorkerExit x = exits.get(i);
                e.add(new String[] {WHEN.format(Instant.ofEpochMilli(x.atEpochMillis()).atZone(zone)), Integer.toString(x.slot()),
                        x.pid() <= 0 ? "-" : Long.toString(x.pid()), Long.toString(x.generation()), x.describe(),
                        x.reason() == null ? "-" : x.reason()});
            }
            table(out, e);
        }
    }

    /** The config's tables as TOML; a table with nothing set says so. */
    @SuppressWarnings("unchecked")
    private static void printToml(PrintWriter out, Map<String, Map<String, Object>> config) {
        if (config == null) return;
        boolean first = true;
        for (Map.Entry<String, Map<String, Object>> table : config.entrySet()) {
            if (!first) out.println();
            first = false;
            out.println("[" + table.getKey() + "]");
            Map<String, Object> sub = null;
            for (Map.Entry<String, Object> kv : table.getValue().entrySet()) {
                if (kv.getKey().equals("heap_sizing") || kv.getKey().equals("instances_from")) {
                    out.println("# " + kv.getValue());
                    continue;
                }
                if (kv.getKey().equals("env_name")) {
                    out.println("# env in force: " + kv.getValue() + " ([app.env_" + kv.getValue() + "] over [app.env], from --env)");
                    continue;
                }
                if (kv.getValue() instanceof Map<?, ?> m) {
                    sub = (Map<String, Object>) m;
                    continue;
                }
                out.println(kv.getKey() + " = " + toml(kv.getValue()));
            }
            if (table.getValue().isEmpty()) out.println("# nothing set" + ("overload".equals(table.getKey()) ? ": no load shedding" : ""));
            if (sub != null) {
                out.println("[" + table.getKey() + ".env]");
                for (Map.Entry<String, Object> kv : sub.entrySet()) out.println(kv.getKey() + " = " + toml(kv.getValue()));
            }
        }
    }

    private static String toml(Object v) {
        if (v instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        }
        if (v instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object o : list) parts.add(toml(o));
            return "[" + String.join(", ", parts) + "]";
        }
        return String.valueOf(v);
    }

    private static void table(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) widths[i] = Math.max(widths[i], r[i].length());
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) line.append(" ".repeat(widths[i] - r[i].length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
