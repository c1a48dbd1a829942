package io.jcluster.runtime.agent;

import io.jcluster.runtime.AgentMXBean;
import io.jcluster.runtime.AppMXBean;
import io.jcluster.runtime.JCluster;
import io.jcluster.runtime.WorkerEnv;
import io.jcluster.runtime.wire.MessageTypes;
import io.jcluster.runtime.wire.Wire;
import io.jcluster.runtime.wire.WireException;
import io.jcluster.runtime.wire.WireMessage;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * The worker agent: {@code -javaagent:worker-runtime.jar}. It connects the worker to its primary
 * over {@code workers.sock} before the app's {@code main} runs, says hello, sends heartbeats,
 * forwards {@code JCluster.ready()}, and carries out drain and stop. When the primary goes away the
 * worker drains and exits: no worker outlives its primary.
 *
 * <p>It runs inside arbitrary apps, so it uses the JDK only, starts two daemon threads (reader and
 * heartbeat; a third, also daemon, only while draining), and never throws into the app.
 *
 * <p>Threads: the premain thread writes {@code hello}; every later frame is written by the
 * heartbeat thread, so an app thread calling {@code ready()} never touches the socket (an interrupted
 * app thread would otherwise close the channel for good). The reader thread handles primary messages;
 * drains run on the drain thread so {@code stop} is still read while a drain is under way.
 */
public final class Agent {

    /** Exit status when the primary cannot be reached at start (EX_SOFTWARE). */
    static final int EXIT_NO_PRIMARY = 70;
    /** How long {@link System#exit} may hang in shutdown hooks before the process is halted. */
    static final long EXIT_WATCHDOG_MILLIS = 5000;

    /** How much longer than the drain timeout an orphaned worker waits for its drain hooks. */
    static final long EXIT_GRACE_MILLIS = 500;

    private static final String LOG_PREFIX = "[jcluster-agent] ";
    private static volatile Agent instance;

    private final WorkerEnv env;
    private final SocketChannel channel;
    private final Object writeLock = new Object();
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(daemon("jcluster-agent-heartbeat"));
    private final ExecutorService drainer = Executors.newSingleThreadExecutor(daemon("jcluster-agent-drain"));
    private final AtomicBoolean readySent = new AtomicBoolean();
    private final AtomicBoolean exiting = new AtomicBoolean();
    private final AtomicLong seq = new AtomicLong();
    private final GcWatch gc = GcWatch.start();
    private final ServerFigures servers = ServerFigures.platform();
    private final ServerDrain serverDrain = ServerDrain.platform();
    private volatile boolean draining;
    private volatile AppMXBean app;

    private Agent(WorkerEnv env, SocketChannel channel) {
        this.env = env;
        this.channel = channel;
    }

    /**
     * Entry point of {@code -javaagent}. Does nothing unless {@code JCLUSTER_WORKER_SOCKET} is set;
     * exits the JVM with status 70 when the primary cannot be reached.
     */
    public static void premain(String args, Instrumentation inst) {
        WorkerEnv env = WorkerEnv.system();
        if (!env.isManaged() && "1".equals(env.get(WorkerEnv.TRAINING))) {
            train(env);
            return;
        }
        if (!env.isManaged() || instance != null) {
            return;
        }
        Path socket = null;
        SocketChannel channel = null;
        Agent agent;
        try {
            socket = env.socket().orElseThrow();
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            agent = new Agent(env, channel);
            // Synchronously, so hello precedes every other frame.
            agent.write(hello(env));
        } catch (IOException | RuntimeException e) {
            System.err.println(LOG_PREFIX + "cannot reach the jcluster primary at " + socket + " ("
                    + e + "). A worker without its primary must not run: exiting with status " + EXIT_NO_PRIMARY + ".");
            closeQuietly(channel);
            System.exit(EXIT_NO_PRIMARY);
            return;
        }
        instance = agent;
        agent.start();
    }

    /**
     * A training run of the start cache ({@code JCLUSTER_TRAINING=1}, no primary): what the agent does
     * at a worker's start, without a primary (the MBean, the GC and server figures), so that the
     * classes it loads are in the cache too. It sends nothing and leaves no thread running.
     */
    private static void train(WorkerEnv env) {
        try {
            Agent agent = new Agent(env, null);
            ManagementFactory.getPlatformMBeanServer().registerMBean(
                    new StandardMBean(agent.new Bridge(), AgentMXBean.class, true), new ObjectName(JCluster.AGENT_OBJECT_NAME));
            agent.heartbeatMessage();
            agent.heartbeat.shutdownNow();
            agent.drainer.shutdownNow();
        } catch (Exception | LinkageError e) {
            // the training run goes on: its cache only lacks these classes
        }
    }

    private static WireMessage hello(WorkerEnv env) {
        String version = Agent.class.getPackage().getImplementationVersion();
        return WireMessage.of(MessageTypes.HELLO,
                "slot", env.slot(),
                "generation", env.generation(),
                "pid", ProcessHandle.current().pid(),
                "version", version == null ? "dev" : version);
    }

    private void start() {
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(
                    new StandardMBean(new Bridge(), AgentMXBean.class, true), new ObjectName(JCluster.AGENT_OBJECT_NAME));
        } catch (Exception e) {
            // The worker still runs; only JCluster.ready() and isDraining() cannot reach the agent.
            System.err.println(LOG_PREFIX + "could not register " + JCluster.AGENT_OBJECT_NAME + ": " + e);
        }
        Thread reader = daemon("jcluster-agent-reader").newThread(this::readLoop);
        reader.start();
        long interval = env.heartbeatMillis();
        heartbeat.scheduleAtFixedRate(this::sendHeartbeat, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** The agent as apps see it, through the platform MBean server. */
    private final class Bridge implements AgentMXBean {

        @Override
        public void ready() {
            if (readySent.compareAndSet(false, true)) {
                send(WireMessage.of(MessageTypes.READY));
            }
        }

        @Override
        public int getSlot() {
            return env.slot();
        }

        @Override
        public long getGeneration() {
            return env.generation();
        }

        @Override
        public boolean isDraining() {
            return draining;
        }
    }

    // --- primary → worker ---

    private void readLoop() {
        try {
            while (true) {
                WireMessage message = Wire.read(channel);
                if (message == null) {
                    primaryGone("the primary closed the worker connection");
                    return;
                }
                switch (message.type()) {
                    case MessageTypes.DRAIN -> drain(message.getLong("timeoutMillis", env.drainTimeoutMillis()), true);
                    case MessageTypes.HANDOVER -> handOver(message.getLong("spreadMillis", 0));
                    default -> System.err.println(LOG_PREFIX + "ignoring a message of unknown type '" + message.type() + "'");
                }
            }
        } catch (WireException e) {
            primaryGone("bad frame from the primary: " + e.getMessage());
        } catch (IOException e) {
            primaryGone("lost the connection to the primary: " + e);
        }
    }

    private Future<?> drain(long timeoutMillis, boolean answer) {
        try {
            return drainer.submit(() -> {
                draining = true;
                for (String line : serverDrain.closeKeepAlive()) System.err.println(LOG_PREFIX + "draining: " + line);
                long inflight = drainApp(timeoutMillis);
                if (answer) {
                    send(WireMessage.of(MessageTypes.DRAINED, "inflight", inflight));
                }
            });
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /** On the drain thread, so that a drain sent after it runs after it. */
    private void handOver(long spreadMillis) {
        try {
            drainer.submit(() -> {
                AppMXBean app = app();
                if (app == null) {
                    return;
                }
                try {
                    app.handOver(spreadMillis);
                } catch (RuntimeException e) {
                    // an app that links an older worker-runtime has no hand-over: its connections move at the drain
                    System.err.println(LOG_PREFIX + "the app's hand-over failed: " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            // exiting already
        }
    }

    private long drainApp(long timeoutMillis) {
        AppMXBean app = app();
        if (app == null) {
            return 0;
        }
        try {
            return app.drain(timeoutMillis);
        } catch (RuntimeException e) {
            System.err.println(LOG_PREFIX + "the app's drain failed: " + e);
            return 0;
        }
    }

    /** Drains for at most the drain timeout and exits; once, whoever notices first. */
    private void primaryGone(String reason) {
        if (!exiting.compareAndSet(false, true)) {
            return;
        }
        long timeout = env.drainTimeoutMillis();
        System.err.println(LOG_PREFIX + reason + "; draining for up to " + timeout + " ms, then exiting");
        Thread orphan = daemon("jcluster-agent-exit").newThread(() -> {
            Future<?> drained = drain(timeout, false);
            try {
                if (drained != null) {
                    // Hooks return by the timeout; the grace covers their last steps. A drain the
                    // primary started earlier may run ahead of this one: it is bounded too.
                    drained.get(timeout + EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
                }
            } catch (TimeoutException e) {
                System.err.println(LOG_PREFIX + "the drain did not finish in time; exiting anyway");
            } catch (Exception e) {
                // exit regardless
            }
            exit(0);
        });
        orphan.start();
    }

    // --- worker → primary ---

    private void sendHeartbeat() {
        try {
            WireMessage beat = heartbeatMessage();
            try {
                write(beat);
            } catch (IllegalArgumentException tooBig) {
                // The app's figures made the frame too large (or bad): the JVM figures still go out.
                System.err.println(LOG_PREFIX + "heartbeat without the app's figures: " + tooBig.getMessage());
                Map<String, String> jvm = new LinkedHashMap<>(beat.fields());
                jvm.keySet().removeIf(k -> k.startsWith("app."));
                write(new WireMessage(MessageTypes.HEARTBEAT, jvm));
            }
        } catch (IOException e) {
            primaryGone("cannot write to the primary: " + e);
        } catch (RuntimeException | LinkageError e) {
            // A failing figure must not cancel the heartbeat schedule.
            System.err.println(LOG_PREFIX + "heartbeat failed: " + e);
        }
    }

    private WireMessage heartbeatMessage() {
        Map<String, String> fields = new LinkedHashMap<>();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        fields.put("seq", Long.toString(seq.incrementAndGet()));
        fields.put("uptimeMillis", Long.toString(ManagementFactory.getRuntimeMXBean().getUptime()));
        fields.put("heapUsed", Long.toString(heap.getUsed()));
        fields.put("heapCommitted", Long.toString(heap.getCommitted()));
        fields.put("heapMax", Long.toString(heap.getMax()));
        fields.put("threads", Integer.toString(threads.getThreadCount()));
        fields.put("cpuNanos", Long.toString(processCpuNanos()));
        fields.put("deadlocked", Integer.toString(deadlocked(threads)));
        gc.putFields(fields);
        try {
            // Figures of unmodified servers (Tomcat, Jetty); the app's own figures below win, name by name.
            servers.putFields(fields);
        } catch (RuntimeException e) {
            // the JVM figures still go out
        }
        AppMXBean app = app();
        if (app != null) {
            try {
                app.getFigures().forEach((name, value) -> {
                    if (Wire.isName(name) && value != null) {
                        fields.put("app." + name, value.toString());
                    }
                });
            } catch (RuntimeException e) {
                // the app went away or failed; the JVM figures still go out
            }
        }
        return new WireMessage(MessageTypes.HEARTBEAT, fields);
    }

    private static long processCpuNanos() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getProcessCpuTime();
            }
        } catch (LinkageError | RuntimeException e) {
            // jdk.management is not in this runtime
        }
        return -1;
    }

    private static int deadlocked(ThreadMXBean threads) {
        try {
            long[] ids = threads.findDeadlockedThreads();
            return ids == null ? 0 : ids.length;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Queues a frame for the heartbeat thread, the only writer after hello. */
    private void send(WireMessage message) {
        try {
            heartbeat.execute(() -> {
                try {
                    write(message);
                } catch (IOException e) {
                    primaryGone("cannot write to the primary: " + e);
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    private void write(WireMessage message) throws IOException {
        synchronized (writeLock) {
            Wire.write(channel, message);
        }
    }

    private AppMXBean app() {
        AppMXBean cached = app;
        if (cached != null) {
            return cached;
        }
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(JCluster.APP_OBJECT_NAME);
            if (!server.isRegistered(name)) {
                return null;
            }
            // The app's bean may come from another class loader: the proxy speaks open types only.
            cached = JMX.newMXBeanProxy(server, name, AppMXBean.class);
            app = cached;
            return cached;
        } catch (Exception e) {
            return null;
        }
    }

    /** System.exit, halting if shutdown hooks hang for more than {@link #EXIT_WATCHDOG_MILLIS}. */
    private static void exit(int status) {
        Thread watchdog = daemon("jcluster-agent-exit-watchdog").newThread(() -> {
            try {
                Thread.sleep(EXIT_WATCHDOG_MILLIS);
            } catch (InterruptedException e) {
                // halt now
            }
            System.err.println(LOG_PREFIX + "shutdown hooks still running after " + EXIT_WATCHDOG_MILLIS + " ms; halting");
            Runtime.getRuntime().halt(status);
        });
        watchdog.start();
        System.exit(status);
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    private static ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
