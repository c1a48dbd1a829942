package io.jcluster.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.jcluster.cli.metrics.PrometheusEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/kubernetes}: the manifests parse as YAML, and what they name exists in the config
 * they ship. Every probe's path is the one the primary serves for that probe, on the port its metrics
 * listener has; the Service's and the container's ports are the app's; the Prometheus annotations
 * point at the metrics listener; the grace period covers the preStop pause, the drain and the stop
 * with room for the primary; and the Dockerfile runs the config it copies, exposing both ports.
 */
class KubernetesExampleTest {
    private static final Path DIR = Path.of("..", "examples", "kubernetes").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void theManifestsNameWhatTheConfigServes() throws Exception {
        AppConfig config = loadShippedConfig();
        List<JsonNode> docs;
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(DIR.resolve("deployment.yaml").toFile())) {
            docs = it.readAll();
        }
        JsonNode deployment = kind(docs, "Deployment");
        JsonNode service = kind(docs, "Service");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        Map<String, Integer> ports = new HashMap<>();
        for (JsonNode p : container.get("ports")) ports.put(p.get("name").asText(), p.get("containerPort").asInt());

        int metricsPort = Integer.parseInt(config.metrics().listen().substring(config.metrics().listen().lastIndexOf(':') + 1));
        Map<String, String> probePaths = Map.of("startupProbe", PrometheusEndpoint.STARTUP_PATH,
                "readinessProbe", PrometheusEndpoint.READY_PATH, "livenessProbe", PrometheusEndpoint.HEALTH_PATH);
        for (Map.Entry<String, String> probe : probePaths.entrySet()) {
            JsonNode get = container.path(probe.getKey()).path("httpGet");
            assertEquals(probe.getValue(), get.path("path").asText(), probe.getKey() + "'s path");
            assertEquals(metricsPort, port(ports, get.path("port")), probe.getKey() + "'s port is the metrics listener's");
        }
        assertEquals(config.port(), ports.get("http"), "the container's http port is the app's");
        JsonNode target = service.at("/spec/ports/0/targetPort");
        assertEquals(config.port(), port(ports, target), "the Service sends to the app's port");

        JsonNode annotations = deployment.at("/spec/template/metadata/annotations");
        assertEquals(Integer.toString(metricsPort), annotations.path("prometheus.io/port").asText());
        assertEquals(PrometheusEndpoint.PATH, annotations.path("prometheus.io/path").asText());

        List<String> preStop = List.of(new YAMLMapper().treeToValue(container.at("/lifecycle/preStop/exec/command"), String[].class));
        assertEquals("sleep", preStop.get(0), "the preStop pause: " + preStop);
        long pause = Long.parseLong(preStop.get(1));
        long grace = pod.path("terminationGracePeriodSeconds").asLong();
        long needed = pause + config.reload().drainTimeout().toSeconds() + config.reload().stopTimeout().toSeconds() + 10;
        assertEquals(needed, grace, "preStop + drain_timeout + stop_timeout + 10 s for the primary");
        assertEquals(deployment.at("/spec/template/metadata/labels/app").asText(), service.at("/spec/selector/app").asText());
    }

    @Test
    void theDockerfileRunsTheConfigItCopiesAndExposesItsPorts() throws Exception {
        AppConfig config = loadShippedConfig();
        String dockerfile = Files.readString(DIR.resolve("Dockerfile"));
        Matcher copy = Pattern.compile("COPY examples/kubernetes/jcluster.toml (\\S+)").matcher(dockerfile);
        assertTrue(copy.find(), dockerfile);
        assertTrue(dockerfile.contains("\"" + copy.group(1) + "\"]"), "the ENTRYPOINT starts " + copy.group(1));
        Matcher jar = Pattern.compile("COPY --from=build \\S+ (/app/\\S+\\.jar)").matcher(dockerfile);
        assertTrue(jar.find() && jar.group(1).endsWith("/" + config.jar().getFileName()), "the jar the config names is copied beside it");
        String metrics = config.metrics().listen();
        assertTrue(dockerfile.contains("EXPOSE " + config.port() + " " + metrics.substring(metrics.lastIndexOf(':') + 1)), dockerfile);
    }

    /** The shipped jcluster.toml, loaded as {@code jcluster start} loads it (beside an empty jar of the name it gives). */
    private AppConfig loadShippedConfig() throws Exception {
        String text = Files.readString(DIR.resolve("jcluster.toml"));
        Matcher jar = Pattern.compile("(?m)^jar = \"([^\"]+)\"").matcher(text);
        assertTrue(jar.find(), "the config names its jar");
        Files.createFile(tmp.resolve(jar.group(1)));
        Path file = Files.writeString(tmp.resolve("jcluster.toml"), text);
        AppConfig config = ConfigLoader.load(new StartSpec(file.toString(), Overrides.none(), tmp.toString()));
        assertNotNull(config.metrics().listen(), "the probes need [metrics] listen");
        return config;
    }

    private static JsonNode kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in deployment.yaml"));
    }

    /** A port as Kubernetes names it: a number, or the name of one of the container's ports. */
    private static int port(Map<String, Integer> named, JsonNode port) {
        if (port.isInt()) return port.asInt();
        Integer n = named.get(port.asText());
        assertNotNull(n, "no container port named " + port.asText() + " (there are " + named + ")");
        return n;
    }
}
