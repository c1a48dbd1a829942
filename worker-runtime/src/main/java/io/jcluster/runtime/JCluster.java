package io.jcluster.runtime;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * What an app can tell jcluster, and learn from it. Every method is safe to call when the app
 * runs on its own (not under jcluster, or without the agent): it then does nothing.
 *
 * <p>The app and the agent meet in the platform MBean server ({@value #AGENT_OBJECT_NAME} and
 * {@value #APP_OBJECT_NAME}), so this works when the app's class loader holds its own copy of
 * worker-runtime. All methods are thread-safe.
 */
public final class JCluster {

    /** Object name of the agent's {@link AgentMXBean}. */
    public static final String AGENT_OBJECT_NAME = "io.jcluster:type=Agent";
    /**
     * The system property that holds the worker's slot, set by the agent: at start in a worker of a
     * slot, and in a warm spare once it takes one. Code that links nothing of jcluster reads its slot
     * there (Spring: {@code environment.getProperty("jcluster.slot")}) at the time it needs it.
     */
    public static final String SLOT_PROPERTY = "jcluster.slot";
    /** Object name of the app's {@link AppMXBean}. */
    public static final String APP_OBJECT_NAME = "io.jcluster:type=App";

    static final ObjectName AGENT = objectName(AGENT_OBJECT_NAME);
    static final ObjectName APP = objectName(APP_OBJECT_NAME);
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]+");

    /** Replaced by tests only. */
    static volatile WorkerEnv env = WorkerEnv.system();

    private static final List<DrainHook> HOOKS = new CopyOnWriteArrayList<>();
    private static final Map<String, LongSupplier> FIGURES = new ConcurrentHashMap<>();
    private static final List<Supplier<Map<String, Long>>> FIGURE_GROUPS = new CopyOnWriteArrayList<>();
    private static final Object REGISTRATION = new Object();
    private static boolean registered;
    /** Whether this copy's App MXBean is the one the agent drains: then {@link #draining} is the truth. */
    private static volatile boolean ownsBean;
    private static volatile boolean draining;

    private JCluster() {
    }

    /** Whether this process runs under a jcluster primary. */
    public static boolean isManaged() {
        return env.isManaged();
    }

    /**
     * This worker's slot (0..N-1), or -1 when not managed. A warm spare has no slot ({@code
     * JCLUSTER_SLOT} is unset in its environment) until it takes one: from then on this returns it
     * (the agent sets the {@value #SLOT_PROPERTY} system property before the spare's bind or listener
     * request returns).
     */
    public static int slot() {
        if (!isManaged()) {
            return -1;
        }
        int slot = env.slot();
        return slot >= 0 ? slot : Integer.getInteger(SLOT_PROPERTY, -1);
    }

    /** This worker's generation (1 for the first start, +1 per reload), or 0 when not managed. */
    public static long generation() {
        return isManaged() ? env.generation() : 0;
    }

    /**
     * Tells the primary this worker is ready for traffic; until then a reload waits for it.
     * Only the first call counts. Does not block on the primary. A no-op when not managed or when
     * the worker runs without the agent.
     */
    public static void ready() {
        if (!isManaged()) {
            return;
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        if (!server.isRegistered(AGENT)) {
            return;
        }
        try {
            server.invoke(AGENT, "ready", null, null);
        } catch (JMException | RuntimeException e) {
            System.err.println("[jcluster] could not tell the agent this worker is ready: " + e);
        }
    }

    /**
     * Installs a hook the agent runs when the worker is told to drain (a reload, a stop, or the
     * primary going away). Hooks run one after the other, in the order they were installed, sharing
     * the drain timeout; their in-flight counts add up.
     */
    public static void onDrain(DrainHook hook) {
        HOOKS.add(Objects.requireNonNull(hook, "hook"));
        registerApp();
    }

    /**
     * Publishes one of the app's own figures, sent with every heartbeat as {@code app.<name>}.
     * {@code value} is called on the heartbeat thread, so it must be cheap and thread-safe.
     *
     * @param name {@code [a-zA-Z0-9_.-]+}
     */
    public static void figure(String name, LongSupplier value) {
        Objects.requireNonNull(value, "value");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("figure name must be [a-zA-Z0-9_.-]+: " + name);
        }
        FIGURES.put(name, value);
        registerApp();
    }

    /**
     * Publishes figures that are computed together, such as the counts of one interval: {@code group}
     * is called once per heartbeat, on the heartbeat thread, and each entry is sent as
     * {@code app.<name>} ({@code [a-zA-Z0-9_.-]+}; other names and null values are skipped). It must be
     * cheap and thread-safe.
     */
    public static void figures(Supplier<Map<String, Long>> group) {
        FIGURE_GROUPS.add(Objects.requireNonNull(group, "group"));
        registerApp();
    }

    /** Whether this worker is draining: new work should be refused or sent elsewhere. */
    public static boolean isDraining() {
        if (draining) {
            return true;
        }
        // The agent drains through our App MXBean when we registered it, so the flag is the truth
        // and this stays a volatile read per request. Otherwise ask the agent, but only when managed:
        // apps running on their own never start JMX for this.
        if (ownsBean || !isManaged()) {
            return false;
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            return server.isRegistered(AGENT) && Boolean.TRUE.equals(server.getAttribute(AGENT, "Draining"));
        } catch (JMException | RuntimeException e) {
            return false;
        }
    }

    /** Runs the hooks; what the agent calls through {@link AppMXBean#drain(long)}. */
    static long runDrainHooks(long timeoutMillis) {
        draining = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        long inflight = 0;
        for (DrainHook hook : HOOKS) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            try {
                inflight += Math.max(0, hook.drain(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                System.err.println("[jcluster] a drain hook failed:");
                e.printStackTrace();
            }
        }
        return inflight;
    }

    /** Runs the hooks' {@link DrainHook#handOver}; what the agent calls through {@link AppMXBean#handOver(long)}. */
    static void runHandOverHooks(long spreadMillis) {
        Duration spread = Duration.ofMillis(Math.max(0, spreadMillis));
        for (DrainHook hook : HOOKS) {
            try {
                hook.handOver(spread);
            } catch (RuntimeException e) {
                System.err.println("[jcluster] a drain hook's hand-over failed:");
                e.printStackTrace();
            }
        }
    }

    /** Forgets hooks, figures and the App MXBean; for tests. */
    static void reset() {
        synchronized (REGISTRATION) {
            HOOKS.clear();
            FIGURES.clear();
            FIGURE_GROUPS.clear();
            draining = false;
            if (ownsBean) {
                try {
                    ManagementFactory.getPlatformMBeanServer().unregisterMBean(APP);
                } catch (JMException e) {
                    // already gone
                }
            }
            registered = false;
            ownsBean = false;
        }
    }

    private static void registerApp() {
        synchronized (REGISTRATION) {
            if (registered) {
                return;
            }
            registered = true;
            try {
                ManagementFactory.getPlatformMBeanServer()
                        .registerMBean(new StandardMBean(new App(), AppMXBean.class, true), APP);
                ownsBean = true;
            } catch (InstanceAlreadyExistsException e) {
                System.err.println("[jcluster] " + APP_OBJECT_NAME + " is already registered by another copy of"
                        + " worker-runtime in this JVM; the drain hooks and figures of this copy are ignored");
            } catch (JMException | RuntimeException e) {
                System.err.println("[jcluster] could not register " + APP_OBJECT_NAME + ": " + e);
            }
        }
    }

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class App implements AppMXBean {

        @Override
        public long drain(long timeoutMillis) {
            return runDrainHooks(timeoutMillis);
        }

        @Override
        public void handOver(long spreadMillis) {
            runHandOverHooks(spreadMillis);
        }

        @Override
        public Map<String, Long> getFigures() {
            Map<String, Long> figures = new TreeMap<>();
            FIGURES.forEach((name, value) -> {
                try {
                    figures.put(name, value.getAsLong());
                } catch (RuntimeException e) {
                    // one bad figure must not cost the heartbeat
                }
            });
            for (Supplier<Map<String, Long>> group : FIGURE_GROUPS) {
                try {
                    Map<String, Long> values = group.get();
                    if (values != null) {
                        values.forEach((name, value) -> {
                            if (name != null && value != null && NAME.matcher(name).matches()) {
                                figures.put(name, value);
                            }
                        });
                    }
                } catch (RuntimeException e) {
                    // one bad group must not cost the heartbeat
                }
            }
            return figures;
        }
    }
}
