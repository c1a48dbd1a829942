package io.jcluster.cli.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.control.Json;
import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.control.AppStatus;
import java.io.IOException;
import java.io.PrintWriter;
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

/** {@code jcluster ls}: every app and its workers. */
@Command(name = "ls", aliases = {"list", "status"}, mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"List apps and their workers.",
                "Per worker: slot, pid, state, generation, uptime, restarts, CPU, memory",
                "(RSS) and requests per second; --json adds each app's latest snapshot."})
final class Ls implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "<name>", description = "Only these apps (default: all).")
    List<String> names = new ArrayList<>();

    @Option(names = "--json", description = "Print a JSON array of apps.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Home home = Home.fromEnvironment();
        PrintWriter out = spec.commandLine().getOut();
        List<String> wanted = names.isEmpty() ? Apps.names(home) : names;
        List<AppStatus> apps = new ArrayList<>();
        Map<String, AppSnapshot> figures = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (String name : wanted) {
            try (ControlClient client = Apps.connect(home, name)) {
                ControlReply reply = client.call(new ControlRequest(ControlRequest.LS));
                if (reply.ok() && reply.status() != null) {
                    apps.add(reply.status());
                    if (reply.metrics() != null) figures.put(name, reply.metrics());
                } else {
                    problems.add(name + ": " + reply.error());
                }
            } catch (AppNotRunningException e) {
                if (!names.isEmpty()) problems.add(e.getMessage());
            } catch (IOException e) {
                problems.add(name + ": " + e.getMessage());
            }
        }
        if (json) {
            ArrayNode array = Json.MAPPER.createArrayNode();
            for (AppStatus app : apps) {
                ObjectNode node = Json.MAPPER.valueToTree(app);
                // The latest snapshot: per-worker figures and the app's totals (absent before the first one).
                AppSnapshot snapshot = figures.get(app.name());
                if (snapshot != null) node.set("metrics", Json.MAPPER.valueToTree(snapshot));
                array.add(node);
            }
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(array));
            out.flush();
        } else if (apps.isEmpty() && problems.isEmpty()) {
            out.println("no apps running (start one with: jcluster start app.jar)");
            out.flush();
        } else if (!apps.isEmpty()) {
            StatusTable.print(out, apps, figures);
        }
        for (String p : problems) spec.commandLine().getErr().println("jcluster: " + p);
        spec.commandLine().getErr().flush();
        return problems.isEmpty() ? 0 : ExitException.FAILURE;
    }
}
