package io.jcluster.examples.grpc;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcluster.examples.grpc.proto.CountReply;
import io.jcluster.examples.grpc.proto.CountRequest;
import io.jcluster.examples.grpc.proto.GreeterGrpc;
import io.jcluster.examples.grpc.proto.HelloReply;
import io.jcluster.examples.grpc.proto.HelloRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load client for hello-grpc that counts how every call ended: a stock grpc-java client, with the
 * channels a service keeps open for its whole life.
 *
 * <pre>
 * java -cp hello-grpc.jar io.jcluster.examples.grpc.HelloGrpcLoad unary|stream HOST:PORT [--channels N]
 *      [--concurrency N] [--seconds N] [--count N] [--interval-millis N] [--deadline-seconds N] [--stdin 1]
 * </pre>
 *
 * {@code unary}: {@code concurrency} callers share {@code channels} channels and call {@code SayHello}
 * in a loop. {@code stream}: each caller opens {@code Count} streams of {@code count} answers, one after
 * another, and checks that the answers come numbered 1, 2, 3… with none missing. It runs for
 * {@code seconds} (or, with {@code --stdin 1}, until its standard input closes), then prints one line:
 * <pre>
 * result calls=N ok=N statuses=OK:N,UNAVAILABLE:N over1s=N over2s=N maxMillis=N pids=N [messages=N gaps=N partial=N]
 * </pre>
 * The latency figures leave out each caller's first call (the client's own start: class loading, the
 * channel's connection). {@code partial}: streams that ended (with any status) before their last answer; {@code gaps}: answers
 * that came out of order or after a missing one.
 */
public final class HelloGrpcLoad {
    private final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong over1s = new AtomicLong();
    private final AtomicLong over2s = new AtomicLong();
    private final AtomicLong maxMillis = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong partial = new AtomicLong();
    private volatile boolean running = true;

    private HelloGrpcLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: HelloGrpcLoad unary|stream HOST:PORT [--channels N] [--concurrency N] [--seconds N]"
                    + " [--count N] [--interval-millis N] [--deadline-seconds N] [--stdin 1]");
            System.exit(64);
        }
        String mode = args[0];
        String target = args[1];
        Map<String, Integer> opts = new TreeMap<>(Map.of("--channels", 4, "--concurrency", 16, "--seconds", 600,
                "--count", 20, "--interval-millis", 50, "--deadline-seconds", 30, "--stdin", 0));
        for (int i = 2; i + 1 < args.length; i += 2) {
            if (!opts.containsKey(args[i])) throw new IllegalArgumentException("unknown option " + args[i]);
            opts.put(args[i], Integer.parseInt(args[i + 1]));
        }
        new HelloGrpcLoad().run(mode, target, opts);
    }

    private void run(String mode, String target, Map<String, Integer> o) throws Exception {
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < o.get("--channels"); i++) {
            channels.add(Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build());
        }
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < o.get("--concurrency"); i++) {
            GreeterGrpc.GreeterBlockingStub stub = GreeterGrpc.newBlockingStub(channels.get(i % channels.size()));
            Runnable loop = switch (mode) {
                case "unary" -> () -> unary(stub, o.get("--deadline-seconds"));
                case "stream" -> () -> stream(stub, o.get("--count"), o.get("--interval-millis"), o.get("--deadline-seconds"));
                default -> throw new IllegalArgumentException("mode is unary or stream, not " + mode);
            };
            Thread t = new Thread(loop, "caller-" + i);
            t.start();
            callers.add(t);
        }
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // until the caller closes it
                }
            } catch (java.io.IOException e) {
                // closed
            }
            running = false;
        }, "stdin");
        stdin.setDaemon(true);
        if (o.get("--stdin") == 1) stdin.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.get("--seconds"));
        while (running && System.nanoTime() < end) Thread.sleep(50);
        running = false;
        for (Thread t : callers) t.join();
        for (ManagedChannel c : channels) c.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        System.out.println(summary(mode));
    }

    private void unary(GreeterGrpc.GreeterBlockingStub stub, int deadlineSeconds) {
        HelloRequest request = HelloRequest.newBuilder().setName("load").build();
        boolean first = true;
        while (running) {
            long start = System.nanoTime();
            String status;
            try {
                HelloReply reply = stub.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS).sayHello(request);
                pids.add(reply.getPid());
                status = "OK";
            } catch (StatusRuntimeException e) {
                status = e.getStatus().getCode().name();
            }
            ended(status, first ? -1 : start);
            first = false;
        }
    }

    private void stream(GreeterGrpc.GreeterBlockingStub stub, int count, int interval, int deadlineSeconds) {
        CountRequest request = CountRequest.newBuilder().setCount(count).setIntervalMillis(interval).build();
        boolean first = true;
        while (running) {
            long start = System.nanoTime();
            int expected = 1;
            String status;
            try {
                Iterator<CountReply> answers = stub.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS).count(request);
                while (answers.hasNext()) {
                    CountReply r = answers.next();
                    messages.incrementAndGet();
                    pids.add(r.getPid());
                    if (r.getN() != expected) gaps.incrementAndGet();
                    expected = r.getN() + 1;
                }
                status = Status.Code.OK.name();
            } catch (StatusRuntimeException e) {
                status = e.getStatus().getCode().name();
            }
            if (expected != count + 1) partial.incrementAndGet();
            ended(status, first ? -1 : start);
            first = false;
        }
    }

    /** A call that ended with {@code status}; {@code start} -1 leaves it out of the latency figures. */
    private void ended(String status, long start) {
        calls.incrementAndGet();
        statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
        if (start == -1) return;
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (ms > 1000) over1s.incrementAndGet();
        if (ms > 2000) over2s.incrementAndGet();
        maxMillis.accumulateAndGet(ms, Math::max);
    }

    private String summary(String mode) {
        StringBuilder s = new StringBuilder("result calls=" + calls + " ok=" + statuses.getOrDefault("OK", new AtomicLong()) + " statuses=");
        new TreeMap<>(statuses).forEach((k, v) -> s.append(k).append(':').append(v).append(','));
        if (statuses.isEmpty()) s.append('-');
        else s.setLength(s.length() - 1);
        s.append(" over1s=").append(over1s).append(" over2s=").append(over2s).append(" maxMillis=").append(maxMillis)
                .append(" pids=").append(pids.size());
        if (mode.equals("stream")) s.append(" messages=").append(messages).append(" gaps=").append(gaps).append(" partial=").append(partial);
        return s.toString();
    }
}
