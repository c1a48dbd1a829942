package io.jcluster.examples.grpc;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jcluster.examples.grpc.proto.CountReply;
import io.jcluster.examples.grpc.proto.CountRequest;
import io.jcluster.examples.grpc.proto.GreeterGrpc;
import io.jcluster.examples.grpc.proto.HelloReply;
import io.jcluster.examples.grpc.proto.HelloRequest;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stock grpc-java server over h2c, as grpc-java's own examples write one: nothing of jcluster in
 * it. {@code hello.Greeter/SayHello} answers once with this process's pid; {@code hello.Greeter/Count}
 * streams {@code count} numbered answers, one every {@code interval_millis}, then ends with OK. The
 * standard health service ({@code grpc.health.v1.Health}) is there too.
 *
 * <p>Port: {@code PORT} in the environment (jcluster sets it), else 50051. On SIGTERM a shutdown hook
 * stops it the graceful grpc-java way: {@code shutdown()} (no new calls; GOAWAY to the clients), then
 * up to {@code GRPC_GRACE_SECONDS} (default 10) for the calls under way to finish.
 */
public final class HelloGrpc {
    private static final long PID = ProcessHandle.current().pid();

    private HelloGrpc() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "50051"));
        long grace = Long.parseLong(System.getenv().getOrDefault("GRPC_GRACE_SECONDS", "10"));
        ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "count-ticks");
            t.setDaemon(true);
            return t;
        });
        HealthStatusManager health = new HealthStatusManager();
        Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(new Greeter(ticks))
                .addService(health.getHealthService())
                .build()
                .start();
        System.out.println("hello-grpc: serving on port " + port + " pid " + PID);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("hello-grpc: shutting down gRPC server (pid " + PID + ")");
            health.enterTerminalState();
            server.shutdown();
            try {
                if (!server.awaitTermination(grace, TimeUnit.SECONDS)) {
                    System.out.println("hello-grpc: calls still running after " + grace + " s: cancelling them");
                    server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                server.shutdownNow();
            }
            System.out.println("hello-grpc: server shut down (pid " + PID + ")");
        }, "grpc-shutdown"));
        server.awaitTermination();
    }

    /** The service. */
    static final class Greeter extends GreeterGrpc.GreeterImplBase {
        private final ScheduledExecutorService ticks;

        Greeter(ScheduledExecutorService ticks) {
            this.ticks = ticks;
        }

        @Override
        public void sayHello(HelloRequest request, StreamObserver<HelloReply> answer) {
            answer.onNext(HelloReply.newBuilder().setMessage("hello " + request.getName() + " from grpc pid=" + PID).setPid(PID).build());
            answer.onCompleted();
        }

        @Override
        public void count(CountRequest request, StreamObserver<CountReply> answers) {
            ServerCallStreamObserver<CountReply> out = (ServerCallStreamObserver<CountReply>) answers;
            int count = Math.max(0, request.getCount());
            long interval = Math.max(1, request.getIntervalMillis());
            int[] sent = {0};
            Runnable[] next = new Runnable[1];
            next[0] = () -> {
                if (out.isCancelled()) return;
                if (sent[0] == count) {
                    out.onCompleted();
                    return;
                }
                out.onNext(CountReply.newBuilder().setN(++sent[0]).setPid(PID).build());
                ticks.schedule(next[0], interval, TimeUnit.MILLISECONDS);
            };
            ticks.execute(next[0]);
        }
    }
}
