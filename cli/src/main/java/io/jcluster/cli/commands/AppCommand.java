package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.AppNotRunningException;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/** Sends one control request to named apps (or all) and reports each answer: what reload, restart and scale share. */
final class AppCommand {
    private AppCommand() {}

    /** The apps {@code names} stands for: every running app for {@code all}. */
    static List<String> targets(Home home, List<String> names) {
        return names.contains("all") ? Apps.names(home) : names;
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
