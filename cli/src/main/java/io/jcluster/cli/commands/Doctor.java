package io.jcluster.cli.commands;

import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.host.AgentJar;
import io.jcluster.cli.host.Kernel;
import io.jcluster.cli.host.PreloadProbe;
import io.netty.channel.epoll.Epoll;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jcluster doctor}: what on this host matters for jcluster, and what it means. */
@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Check this host: SO_REUSEPORT and epoll, tcp_migrate_req, somaxconn, the open-file limit, the kernel.")
final class Doctor implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean ok = true;
        out.println("kernel             " + Kernel.release());
        out.println("java               " + System.getProperty("java.version") + " (" + System.getProperty("java.home") + ")");
        out.println("JCLUSTER_HOME      " + Home.fromEnvironment().root());
        if (Epoll.isAvailable()) {
            out.println("epoll/SO_REUSEPORT ok: the primary can own one listener per slot and hand it to workers");
        } else {
            ok = false;
            out.println("epoll/SO_REUSEPORT MISSING: " + Epoll.unavailabilityCause()
                    + "\n                   jcluster needs Linux with epoll (netty native transport) to share a port");
        }
        String migrate = Kernel.migrateSetting();
        out.println("tcp_migrate_req    " + (migrate == null ? "not available (Linux 5.14+)" : migrate));
        out.println("                   handoff mode (default): reloads, crashes and scale downs drop nothing either way,");
        out.println("                   because the primary keeps every slot's socket open");
        out.println("                   listen=self: " + Kernel.migrateAdvice());
        String somaxconn = Kernel.somaxconn();
        out.println("somaxconn          " + (somaxconn == null ? "unknown" : somaxconn)
                + " (the most connections one slot's accept queue holds while its worker is replaced)");
        if (somaxconn != null && Integer.parseInt(somaxconn) < 1024) {
            out.println("                   low: raise it with sysctl -w net.core.somaxconn=4096");
        }
        String nofile = Kernel.openFileLimit();
        out.println("open files         " + (nofile == null ? "unknown" : nofile + " (soft / hard), inherited by workers"));
        if (nofile != null) {
            String soft = nofile.split(" / ")[0];
            if (!soft.equals("unlimited") && Long.parseLong(soft) < 65536) {
                out.println("                   low for a busy server: raise it (ulimit -n, LimitNOFILE= in a systemd unit)");
            }
        }
        out.println("cpus               " + Runtime.getRuntime().availableProcessors() + " (instances = \"auto\" starts this many workers)");
        out.flush();
        if (Epoll.isAvailable()) {
            String preload = PreloadProbe.problem(ConfigLoader.currentJava(), AgentJar.runtimeJar());
            if (preload == null) {
                out.println("preload library    ok: a JVM's bind() of a port held elsewhere took the socket handed to it"
                        + "\n                   (how unmodified servers share the slot sockets in handoff mode)");
            } else {
                ok = false;
                out.println("preload library    FAILED: " + preload
                        + "\n                   unmodified apps cannot run in handoff mode; listen = \"self\" is the way around");
            }
        }
        out.flush();
        return ok ? 0 : ExitException.FAILURE;
    }
}
