package io.jcluster.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Reloads that fail nothing, for the protocols a JVM service speaks besides plaintext HTTP/1.1, with
 * real clients: stock grpc-java over h2c (examples/hello-grpc) under grpc-java channels and h2load
 * (through a reload, a scale down and an upgrade to a new primary, which all drain),
 * and a stock Spring Boot jar over TLS (examples/hello-spring, a keystore made here) under wrk. The
 * drains end without waiting for the drain timeout.
 */
@Timeout(600)
// Alone: Spring Boot and gRPC JVMs, their clients and wrk take both cores.
@Isolated
class ProtocolsIT {

    @Test
    void grpcOverH2cReloadsScalesDownAndUpgradesWithEveryCallOkAndEveryStreamWhole() throws Exception {
        Path jar = LoadTools.example("hello-grpc");
        try (Sandbox sandbox = new Sandbox()) {
            int port = Sandbox.freePort();
            Path config = sandbox.write("grpc.toml", """
                    [app]
                    name = "grpc"
                    jar = "%s"
                    instances = 2
                    port = %d
                    jvm_args = ["-Xmx128m"]
                    [reload]
                    drain_timeout = "30s"
                    """.formatted(jar.toAbsolutePath(), port));
            Sandbox.Result r = sandbox.cli("start", config.toString());
            assertEquals(0, r.code(), () -> r.all() + sandbox.primaryLog("grpc"));
            LoadTools.Running unary = LoadTools.grpcLoad(sandbox.dir, "unary", port, "--channels", "4", "--concurrency", "16");
            LoadTools.Running stream = LoadTools.grpcLoad(sandbox.dir, "stream", port, "--channels", "2", "--concurrency", "4",
                    "--count", "10", "--interval-millis", "20");
            Map<String, String> calls;
            Map<String, String> streams;
            try (LoadTools.H2load h2load = new LoadTools.H2load(sandbox.dir, port)) {
                Sandbox.await("h2load to run", java.time.Duration.ofSeconds(60), () -> h2load.runs.get() >= 3);
                // a reload, a scale down and an upgrade (a new primary) all drain: each ends its connections with GOAWAY
                for (String[] change : List.of(new String[] {"reload", "grpc"}, new String[] {"scale", "grpc", "1"},
                        new String[] {"upgrade", "grpc"})) {
                    Sandbox.Result done = sandbox.cli(change);
                    assertEquals(0, done.code(), () -> String.join(" ", change) + ": " + done.all() + sandbox.primaryLog("grpc"));
                    long runs = h2load.runs.get();
                    Sandbox.await("h2load to run after " + change[0], java.time.Duration.ofSeconds(60), () -> h2load.runs.get() > runs + 2);
                }
                h2load.close();
                assertTrue(h2load.succeeded.get() > 0 && h2load.bad.isEmpty(), h2load::toString);
                assertEquals(0, h2load.failed.get() + h2load.errored.get() + h2load.non2xx.get(), h2load::toString);
            } finally {
                calls = LoadTools.stopGrpcLoad(unary);
                streams = LoadTools.stopGrpcLoad(stream);
            }
            String log = sandbox.primaryLog("grpc");
            assertEquals(calls.get("calls"), calls.get("ok"), "every unary call ends OK: " + calls + "\n" + log);
            assertTrue(Long.parseLong(calls.get("ok")) > 100, calls::toString);
            assertEquals(streams.get("calls"), streams.get("ok"), "every stream ends OK: " + streams);
            assertEquals("0", streams.get("gaps"), "no answer of a stream missing: " + streams);
            assertEquals("0", streams.get("partial"), "no stream cut before its last answer: " + streams);
            assertTrue(Long.parseLong(calls.get("pids")) >= 3, "the calls moved to the new workers: " + calls);
            assertFalse(log.contains("drain timeout"), "GOAWAY moved the calls: no drain waited for its timeout\n" + log);
            assertTrue(log.contains("are ones only the app can end"), "after GOAWAY the app's own shutdown ends them\n" + log);
            assertEquals(0, sandbox.cli("stop", "grpc").code());
            String worker = java.nio.file.Files.readString(sandbox.home.resolve("logs/grpc/0.log"));
            assertTrue(worker.contains("hello-grpc: shutting down gRPC server"), "its shutdown hook's lines are in its log: " + worker);
        }
    }

    @Test
    void springBootOverTlsReloadsUnderWrkWithNoErrorAndNoDrainTimeout() throws Exception {
        Path jar = LoadTools.example("hello-spring");
        try (Sandbox sandbox = new Sandbox()) {
            Path keystore = sandbox.dir.resolve("hello.p12");
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "hello", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                    "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                    .redirectErrorStream(true).start();
            String made = new String(keytool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool: " + made);
            int port = Sandbox.freePort();
            Path config = sandbox.write("tls.toml", """
                    [app]
                    name = "tls"
                    jar = "%s"
                    instances = 2
                    port = %d
                    jvm_args = ["-Xmx256m"]
                    [app.env]
                    SERVER_SSL_ENABLED = "true"
                    SERVER_SSL_KEY_STORE = "%s"
                    SERVER_SSL_KEY_STORE_PASSWORD = "changeit"
                    SERVER_SSL_KEY_STORE_TYPE = "PKCS12"
                    [reload]
                    ready_timeout = "3m"
                    drain_timeout = "30s"
                    """.formatted(jar.toAbsolutePath(), port, keystore));
            Sandbox.Result r = sandbox.cli("start", config.toString());
            assertEquals(0, r.code(), () -> r.all() + sandbox.primaryLog("tls"));
            LoadTools.Running wrk = LoadTools.wrk(sandbox.dir, "https://127.0.0.1:" + port + "/", 64);
            String out;
            try {
                Thread.sleep(3000);
                Sandbox.Result reload = sandbox.cli("reload", "tls");
                assertEquals(0, reload.code(), () -> reload.all() + sandbox.primaryLog("tls"));
                Thread.sleep(2000);
            } finally {
                out = LoadTools.stopWrk(wrk);
            }
            Map<String, Long> f = LoadTools.wrkFigures(out);
            String log = sandbox.primaryLog("tls");
            assertTrue(f.get("requests") > 100, out);
            assertEquals(List.of(0L, 0L, 0L, 0L), List.of(f.get("connect"), f.get("read"), f.get("write"), f.get("non2xx")),
                    "no socket error and no answer other than 2xx over TLS across the reload:\n" + out + "\n" + log);
            assertFalse(log.contains("drain timeout"), "Tomcat closed its TLS connections after their next response\n" + log);
            String err = java.nio.file.Files.readString(sandbox.home.resolve("logs/tls/0.err.log"));
            assertTrue(err.contains("maxKeepAliveRequests 100 -> 1"), "the agent asked Tomcat: " + err);
            assertEquals(0, sandbox.cli("stop", "tls").code());
        }
    }
}
