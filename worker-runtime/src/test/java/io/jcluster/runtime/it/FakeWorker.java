package io.jcluster.runtime.it;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * A worker app for the agent tests, started as a real JVM with {@code -javaagent}.
 *
 * <ul>
 *   <li>{@code exit}: prints a line and returns (the app must run normally when unmanaged);</li>
 *   <li>{@code sleep}: does nothing, forever;</li>
 *   <li>{@code isolated}: loads its own copy of worker-runtime in a separate class loader (as a
 *       Spring Boot fat jar does), installs a drain hook returning 2 and a figure, calls ready;</li>
 *   <li>{@code isolated-stuck}: the same, but the drain hook never returns;</li>
 *   <li>{@code hang-on-exit}: a shutdown hook that never finishes;</li>
 *   <li>{@code slot}: prints {@code JCluster.slot()} of its own copy of worker-runtime (in a separate
 *       class loader) at start and again each time it changes.</li>
 * </ul>
 */
public final class FakeWorker {

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "sleep";
        switch (mode) {
            case "exit" -> {
                System.out.println("fake worker ran");
                return;
            }
            case "isolated" -> isolatedApp(false);
            case "isolated-stuck" -> isolatedApp(true);
            case "hang-on-exit" -> Runtime.getRuntime().addShutdownHook(new Thread(() -> sleepForever()));
            case "slot" -> printSlots();
            case "sleep" -> { }
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.out.println("fake worker " + mode + " running");
        sleepForever();
    }

    private static void isolatedApp(boolean stuck) throws Exception {
        URL runtime = Path.of(System.getProperty("jcluster.runtime.jar")).toUri().toURL();
        ClassLoader app = new URLClassLoader(new URL[] {runtime}, ClassLoader.getPlatformClassLoader());
        Class<?> jcluster = app.loadClass("io.jcluster.runtime.JCluster");
        Class<?> hookType = app.loadClass("io.jcluster.runtime.DrainHook");
        // The agent jar holds its classes under a relocated package: the app's copy is the only one.
        if (ClassLoader.getSystemClassLoader().getResource("io/jcluster/runtime/JCluster.class") != null) {
            throw new AssertionError("the agent jar must not put io.jcluster.runtime on the class path");
        }
        Object hook = Proxy.newProxyInstance(app, new Class<?>[] {hookType}, (proxy, method, methodArgs) -> {
            switch (method.getName()) {
                case "drain" -> {
                    System.out.println("drain hook called with " + methodArgs[0]);
                    if (stuck) {
                        sleepForever();
                    }
                    return 2L;
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "equals" -> {
                    return proxy == methodArgs[0];
                }
                default -> {
                    return "fake drain hook";
                }
            }
        });
        jcluster.getMethod("onDrain", hookType).invoke(null, hook);
        LongSupplier requests = () -> 42;
        jcluster.getMethod("figure", String.class, LongSupplier.class).invoke(null, "requests", requests);
        Method ready = jcluster.getMethod("ready");
        ready.invoke(null);
        ready.invoke(null);
    }

    private static void printSlots() throws Exception {
        URL runtime = Path.of(System.getProperty("jcluster.runtime.jar")).toUri().toURL();
        ClassLoader app = new URLClassLoader(new URL[] {runtime}, ClassLoader.getPlatformClassLoader());
        Method slot = app.loadClass("io.jcluster.runtime.JCluster").getMethod("slot");
        Object last = null;
        while (true) {
            Object now = slot.invoke(null);
            if (!now.equals(last)) {
                System.out.println("slot " + now);
                last = now;
            }
            Thread.sleep(10);
        }
    }

    private static void sleepForever() {
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // keep sleeping: a worker that ignores interrupts
            }
        }
    }
}
