package io.jcluster.cli.commands;

import io.jcluster.cli.cgroup.Cgroup;
import io.jcluster.cli.config.ByteSize;
import io.jcluster.cli.config.Home;
import io.jcluster.cli.config.Instances;
import io.jcluster.cli.config.ConfigLoader;
import io.jcluster.cli.host.AgentJar;
import io.jcluster.cli.host.Kernel;
import io.jcluster.cli.host.PreloadProbe;
import io.jcluster.cli.host.NativeTransport;
import io.jcluster.cli.control.AppStatus;
import io.jcluster.cli.control.Apps;
import io.jcluster.cli.control.ControlClient;
import io.jcluster.cli.control.ControlReply;
import io.jcluster.cli.control.ControlRequest;
import io.jcluster.cli.host.PortOwners;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
        String noEpoll = NativeTransport.unavailable();
        if (noEpoll == null) {
            out.println("epoll/SO_REUSEPORT ok: the primary can own one listener per slot and hand it to workers");
        } else {
            ok = false;
            out.println("epoll/SO_REUSEPORT MISSING: " + noEpoll);
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
        Instances.Auto auto = Instances.here();
        out.println("cpus               " + Runtime.getRuntime().availableProcessors() + " as the JVM counts them; instances = \"auto\" starts "
                + auto.workers() + ": " + auto.why());
        Cgroup.MemoryLimit memory = Cgroup.current().memoryLimit();
        out.println("memory limit       " + (memory == null ? "none (the workers' heaps are shares of the machine's memory)"
                : new ByteSize(memory.bytes()).human() + " (" + memory.file() + "): the workers' heaps are shares of it"));
        apps(out, Home.fromEnvironment());
        out.flush();
        if (noEpoll == null) {
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

    /**
     * The running apps and their ports: for each port, how many of the app's slot sockets listen on it
     * (handoff: the primary holds one per slot and port), so a port that lost its sockets shows.
     */
    private static void apps(PrintWriter out, Home home) {
        List<String> names = Apps.names(home);
        if (names.isEmpty()) {
            out.println("apps               none running in " + home.root());
            return;
        }
        String label = "apps               ";
        for (String name : names) {
            AppStatus s;
            try (ControlClient client = Apps.connect(home, name)) {
                ControlReply reply = client.call(new ControlRequest(ControlRequest.LS));
                s = reply.status();
                if (!reply.ok() || s == null) {
                    out.println(label + name + ": " + reply.error());
                    label = " ".repeat(label.length());
                    continue;
                }
            } catch (IOException e) {
                out.println(label + name + ": " + e.getMessage());
                label = " ".repeat(label.length());
                continue;
            }
            List<String> ports = new ArrayList<>();
            Set<Long> primarys = PortOwners.socketInodes(s.primaryPid());
            for (int port : s.ports()) {
                if (!"handoff".equals(s.listen())) {
                    ports.add(Integer.toString(port));
                    continue;
                }
                Set<Long> held = new HashSet<>(PortOwners.listeningInodes(port));
                held.retainAll(primarys);
                ports.add(port + " (" + held.size() + " of " + s.workers().size() + " slot sockets listen)");
            }
            out.println(label + name + ": " + s.state() + ", listen " + s.listen() + ", port" + (ports.size() == 1 ? " " : "s ")
                    + String.join(", ", ports));
            label = " ".repeat(label.length());
        }
    }
}
