package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.metrics.AppTotals;
import io.jcluster.cli.top.ControlTopActions;
import io.jcluster.cli.top.ControlTopFeed;
import io.jcluster.cli.top.TopScreen;
import io.jcluster.cli.top.TopState;
import io.jcluster.cli.top.TopView;
import io.jcluster.cli.top.TtySettings;
import io.jcluster.cli.top.SortColumn;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.InfoCmp.Capability;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jcluster top}: the live dashboard of one app. */
@Command(name = "top", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"A live dashboard of an app's workers.",
                "Per worker: requests per second, p99 latency, event-loop lag, CPU, RSS,",
                "heap, GCs per second, GC time and the longest GC pause; above them the",
                "app's totals and a sparkline of its requests per second over a minute.",
                "Keys: q quit, up/down select, k restart the selected worker, r rolling",
                "reload (asks first), +/- one worker more or less, s sort by the next",
                "column. NO_COLOR turns colors off."})
final class Top implements Callable<Integer> {
    /** Width of a {@code --once} frame when there is no terminal to measure. */
    static final int DEFAULT_WIDTH = 120;
    private static final long FIRST_SNAPSHOT_WAIT_MS = 10_000;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "<name>", description = "The app (default: the only one running).")
    String name;

    @Option(names = "--once", description = "Print one frame as plain text and exit: for scripts, tests, and terminals that cannot do more.")
    boolean once;

    @Option(names = "--width", paramLabel = "<columns>", description = "Width of the --once frame (default: the terminal's, else "
            + DEFAULT_WIDTH + ").")
    Integer width;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Home home = Home.fromEnvironment();
        String app = AppArgument.resolve(home, name);
        return once ? once(home, app) : live(home, app);
    }

    private int once(Home home, String app) throws IOException, InterruptedException {
        ControlReply reply;
        long deadline = System.currentTimeMillis() + FIRST_SNAPSHOT_WAIT_MS;
        try (ControlClient client = connect(home, app)) {
            while (true) {
                reply = client.call(new ControlRequest(ControlRequest.METRICS));
                if (!reply.ok()) throw new ExitException(ExitException.FAILURE, app + ": " + reply.error());
                if (reply.metrics() != null || System.currentTimeMillis() > deadline) break;
                Thread.sleep(100); // the first snapshot comes one interval after the start
            }
        }
        if (reply.metrics() == null) {
            throw new ExitException(ExitException.FAILURE, app + ": no snapshot yet; try again in a moment");
        }
        List<Double> rps = new ArrayList<>();
        if (reply.history() != null) for (AppTotals t : reply.history()) rps.add(t.requestsPerSecond());
        TopState state = new TopState(app, reply.metrics(), rps, -1, 0, SortColumn.SLOT, null, false, false, ZoneId.systemDefault());
        PrintWriter out = spec.commandLine().getOut();
        List<AttributedString> frame = TopView.renderAll(state, width != null ? Math.max(20, width) : onceWidth());
        // The footer lists keys that mean nothing here.
        for (AttributedString line : frame.subList(0, frame.size() - 1)) out.println(line.toString().stripTrailing());
        out.flush();
        return 0;
    }

    private int live(Home home, String app) throws IOException {
        ControlClient client = connect(home, app);
        String tty = TtySettings.save();
        Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build();
        try {
            if (terminal.getType() == null || terminal.getType().startsWith(Terminal.TYPE_DUMB)) {
                client.close();
                throw new ExitException(ExitException.USAGE, "top needs a terminal; jcluster top --once prints one frame as text");
            }
            Integer colors = terminal.getNumericCapability(Capability.max_colors);
            String noColor = System.getenv("NO_COLOR");
            boolean color = (noColor == null || noColor.isEmpty()) && colors != null && colors >= 8;
            new TopScreen(terminal, app, new ControlTopFeed(app, client), new ControlTopActions(home, app), color,
                    ZoneId.systemDefault()).run();
            return 0;
        } finally {
            terminal.close();
            TtySettings.restore(tty);
        }
    }

    private static ControlClient connect(Home home, String app) throws IOException {
        try {
            return Apps.connect(home, app);
        } catch (AppNotRunningException e) {
            throw new ExitException(ExitException.FAILURE, e.getMessage());
        }
    }

    /** {@code $COLUMNS}, else the width of the terminal when there is one, else {@value #DEFAULT_WIDTH}. */
    private static int onceWidth() {
        String columns = System.getenv("COLUMNS");
        if (columns != null) {
            try {
                int c = Integer.parseInt(columns.trim());
                if (c >= 20) return c;
            } catch (NumberFormatException ignored) {
                // not a number: ask the terminal
            }
        }
        if (System.console() != null) {
            try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
                if (terminal.getWidth() >= 20) return terminal.getWidth();
            } catch (IOException | RuntimeException ignored) {
                // no usable terminal: the default
            }
        }
        return DEFAULT_WIDTH;
    }
}
