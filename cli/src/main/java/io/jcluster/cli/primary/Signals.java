package io.jcluster.cli.primary;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** What the JDK cannot do to a process by itself: send it an arbitrary signal. */
final class Signals {
    private Signals() {}

    /** Sends {@code signal} (a name like {@code QUIT}) to {@code pid}; false when it could not be sent. */
    static boolean send(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
