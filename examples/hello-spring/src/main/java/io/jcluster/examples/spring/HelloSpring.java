package io.jcluster.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A stock Spring Boot web app on Tomcat: nothing of jcluster in it. {@code GET /} answers one line
 * with the process id, so a client can see which worker served it; {@code GET /fail} answers 500, an
 * error on purpose; {@code GET /work?ms=N} sleeps N ms (default 10, at most 10000), then answers: a
 * request of a known length.
 *
 * <p>Port: Spring Boot's own {@code server.port}, i.e. {@code SERVER_PORT} in the environment
 * (jcluster sets it), else 8080.
 */
@SpringBootApplication
@RestController
public class HelloSpring {

    private static final long MAX_WORK_MILLIS = 10_000;
    private static final String GREETING = "hello from spring pid=" + ProcessHandle.current().pid() + "\n";

    public static void main(String[] args) {
        SpringApplication.run(HelloSpring.class, args);
    }

    @GetMapping(value = "/", produces = "text/plain")
    public String hello() {
        return GREETING;
    }

    @GetMapping(value = "/fail", produces = "text/plain")
    public ResponseEntity<String> fail() {
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body("failed on purpose\n");
    }

    @GetMapping(value = "/work", produces = "text/plain")
    public ResponseEntity<String> work(@RequestParam(name = "ms", defaultValue = "10") long ms) throws InterruptedException {
        if (ms < 0 || ms > MAX_WORK_MILLIS) {
            return ResponseEntity.badRequest().body("ms must be 0.." + MAX_WORK_MILLIS + "\n");
        }
        Thread.sleep(ms);
        return ResponseEntity.ok("worked " + ms + " ms\n");
    }
}
