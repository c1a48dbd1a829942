package io.jcluster.cli;

import io.jcluster.cli.commands.CommandLines;
import io.jcluster.cli.commands.ConfigCommand;
import io.jcluster.cli.commands.PrimaryCommand;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.EntryPoints;
import io.jcluster.cli.control.RecordJson;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;

/** {@code jcluster}: the command line entry point. */
public final class Main {
    private static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";

    private Main() {}

    public static void main(String[] args) {
        if (EntryPoints.isPrimary(args)) { // a detached primary: no command line to build
            selectorProvider();
            System.exit(PrimaryCommand.direct(args));
        }
        if (EntryPoints.isConfig(args)) System.exit(ConfigCommand.direct()); // a primary's reload reading its config
        startUp();
        int code = CommandLines.forArgs(args).execute(args);
        System.exit(code);
    }

    /**
     * What {@code main} does before it reads the command line (the class-data training run calls it
     * too, so that the archive holds what it loads).
     */
    public static void startUp() {
        // picocli looks for Groovy (a class path miss opens every jar) and registers converters for
        // java.sql and java.time types (loading and initialising them) unless told not to; no option
        // of jcluster has such a type.
        System.setProperty("picocli.disable.closures", "true");
        System.setProperty("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*");
        selectorProvider();
        Thread warmUp = new Thread(new WarmUp(), "warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /**
     * The JDK's first socket looks for a SelectorProvider service in every jar on the class path
     * (opening all of them, about 20 ms) unless this names one: the JDK's own on Linux.
     */
    private static void selectorProvider() {
        if (System.getProperty(SELECTOR_PROVIDER) == null) System.setProperty(SELECTOR_PROVIDER, "sun.nio.ch.EPollSelectorProvider");
    }

    /**
     * Prepares the JDK's Unix sockets (their first use sets up a {@code SecureRandom}) and the reading
     * of replies on another core while picocli builds the command model: most commands talk to a
     * primary, and each of these takes milliseconds in a fresh JVM. Nothing depends on it finishing.
     * (Main has classes rather than lambdas: a lambda's first call spins classes at run time.)
     */
    private static final class WarmUp implements Runnable {
        @Override
        public void run() {
            try {
                SocketChannel.open(StandardProtocolFamily.UNIX).close();
                RecordJson.read("{\"ok\":true,\"status\":{\"workers\":[{\"lastExit\":{},\"heartbeat\":{}}]},"
                        + "\"metrics\":{\"workers\":[{\"collectors\":[]}],\"totals\":{}}}", ControlReply.class);
            } catch (IOException | RuntimeException e) {
                // Only a warm-up: the command itself reports what goes wrong.
            }
        }
    }
}
