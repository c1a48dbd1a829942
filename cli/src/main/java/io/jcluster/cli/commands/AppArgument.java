package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.control.Apps;
import java.util.List;

/** The app a command is about: the one named, or the only one running. */
final class AppArgument {
    private AppArgument() {}

    /** {@code name}, or the only app of {@code home} when it is null; an ExitException otherwise. */
    static String resolve(Home home, String name) {
        if (name != null) return name;
        List<String> running = Apps.names(home);
        if (running.isEmpty()) {
            throw new ExitException(ExitException.FAILURE, "no apps running (start one with: jcluster start app.jar)");
        }
        if (running.size() > 1) {
            throw new ExitException(ExitException.USAGE, "several apps are running (" + String.join(", ", running)
                    + "): name one");
        }
        return running.get(0);
    }
}
