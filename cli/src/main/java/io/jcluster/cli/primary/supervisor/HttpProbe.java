package io.jcluster.cli.primary.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The optional HTTP readiness check: {@code GET path} on the app's port answers 2xx. Blocking: run it off the supervisor. */
final class HttpProbe {
    private HttpProbe() {}

    static boolean ok(int port, String path, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + "User-Agent: jcluster-ready-probe\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = 0;
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) break;
                n += r;
            }
            String status = new String(head, 0, n, StandardCharsets.US_ASCII);
            return status.startsWith("HTTP/1.") && status.length() >= 10 && status.charAt(9) == '2';
        } catch (IOException e) {
            return false;
        }
    }
}
