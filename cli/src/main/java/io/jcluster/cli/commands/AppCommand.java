package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.config.ConfigException;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.config.Overrides;
import io.jcluster.cli.config.StartSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Sends one control request to named apps (or all) and reports each answer: what reload, restart and scale share. */
final class AppCommand {
    private AppCommand() {}

    /**
     * The apps {@code names} stands for: every running app for {@code all}; the apps of a config
     * file for its path ({@code *.toml}), in start order; else the names themselves.
     */
    static List<String> targets(Home home, List<String> names) {
        if (names.contains("all")) return Apps.names(home);
        List<String> apps = new ArrayList<>();
        for (String n : names) {
            for (String app : isConfigFile(n) ? appsOf(n) : List.of(n)) {
                if (!apps.contains(app)) apps.add(app);
            }
        }
        return apps;
    }

    static boolean isConfigFile(String arg) {
        return arg.toLowerCase(Locale.ROOT).endsWith(".toml");
    }

    /** The names of the apps of the config file {@code path}, in start order; a usage error when it cannot be read. */
    static List<String> appsOf(String path) {
        Path cwd = Path.of("").toAbsolutePath();
        try {
            List<String> apps = ConfigLoader.appNames(new StartSpec(cwd.resolve(path).toString(), Overrides.none(), cwd.toString()));
            if (apps.isEmpty()) throw new ExitException(ExitException.USAGE, path + ": no app with a name or a jar in it");
            return apps;
        } catch (ConfigException e) {
            throw new ExitException(ExitException.USAGE, e.getMessage());
        }
    }

    /** "app 'x' is not running (running: a, b)": the message, and what does run. */
    static String notRunning(Home home, AppNotRunningException e) {
        List<String> running = Apps.names(home);
        return e.getMessage() + (running.isEmpty() ? "" : " (running: " + String.join(", ", running) + ")");
    }

    /**
     * Sends {@code request} to every app {@code names} stands for, printing "{@code <app>: <done>}"
     * after each success; returns the worst exit code.
     */
    static int sendToEach(List<String> names, ControlRequest request, String done, PrintWriter out, PrintWriter err) {
        Home home = Home.fromEnvironment();
        int code = 0;
        for (String app : targets(home, names)) {
            int c = send(home, app, request, out, err);
            if (c == 0) out.println(app + ": " + done);
            out.flush();
            code = Math.max(code, c);
        }
        return code;
    }

    /**
     * Sends {@code request} to {@code app}, printing progress lines to {@code out}; returns the
     * exit code (0, or the failed reply's code) and prints failures to {@code err}.
     */
    static int send(Home home, String app, ControlRequest request, PrintWriter out, PrintWriter err) {
        try (ControlClient client = Apps.connect(home, app)) {
            ControlReply reply = client.call(request, step -> {
                out.println(app + ": " + step);
                out.flush();
            });
            if (reply.ok()) return 0;
            err.println("jcluster: " + app + ": " + reply.error());
            if (reply.lines() != null && !reply.lines().isEmpty()) {
                err.println("last output of the failed worker:");
                for (String l : reply.lines()) err.println("  | " + l);
            }
            err.flush();
            return reply.exitCode();
        } catch (AppNotRunningException e) {
            err.println("jcluster: " + notRunning(home, e));
            err.flush();
            return ExitException.FAILURE;
        } catch (IOException e) {
            err.println("jcluster: " + app + ": " + e.getMessage());
            err.flush();
            return ExitException.FAILURE;
        }
    }
}
