package io.jcluster.cli.top;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcluster.cli.metrics.AppTotals;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard's loop on a terminal made of pipes: keys in, escape sequences out, a feed and
 * actions played by the test.
 */
@Timeout(60)
class TopScreenTest {
    private PipedOutputStream keys;
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private Terminal terminal;
    private final BlockingQueue<String> asked = new LinkedBlockingQueue<>();
    private volatile TopFeed.Listener listener;
    private TopScreen top;
    private volatile boolean feedClosed;

    private final TopFeed feed = new TopFeed() {
        @Override
        public void start(Listener l) {
            listener = l;
        }

        @Override
        public void close() {
            feedClosed = true;
        }
    };

    private final TopActions actions = new TopActions() {
        @Override
        public String restart(int slot) {
            asked.add("restart " + slot);
            return "restart of slot " + slot + ": done";
        }

        @Override
        public String reload() {
            asked.add("reload");
            return "reload of hello: done";
        }

        @Override
        public String scale(int delta) {
            asked.add("scale " + delta);
            return "scale " + delta + ": done";
        }
    };

    @BeforeEach
    void terminal() throws IOException {
        PipedInputStream in = new PipedInputStream(4096);
        keys = new PipedOutputStream(in);
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (screen) {
                    screen.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (screen) {
                    screen.write(b, off, len);
                }
            }
        };
        terminal = TerminalBuilder.builder().system(false).streams(in, out).type("xterm-256color")
                .size(new Size(80, 20)).encoding(StandardCharsets.UTF_8).build();
    }

    @AfterEach
    void close() throws IOException {
        keys.close();
        terminal.close();
    }

    private String screen() {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8);
        }
    }

    private void type(String s) throws IOException {
        keys.write(s.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** Waits until the frame on the screen has {@code text} on a line. */
    private void awaitScreen(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (top.lastFrame.stream().noneMatch(l -> l.toString().contains(text))) {
            if (System.nanoTime() > deadline) throw new AssertionError("never shown: " + text + "\n" + top.lastFrame);
            Thread.sleep(20);
        }
    }

    /** Waits until {@code text} was written to the terminal (a pty: its output arrives through a pump thread). */
    private String awaitOutput(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!screen().contains(text)) {
            if (System.nanoTime() > deadline) {
                String all = screen();
                throw new AssertionError("never written: " + text.replace("\033", "ESC") + "\n"
                        + all.substring(Math.max(0, all.length() - 300)).replace("\033", "ESC"));
            }
            Thread.sleep(20);
        }
        return screen();
    }

    private String nextAction() throws InterruptedException {
        String a = asked.poll(20, TimeUnit.SECONDS);
        if (a == null) throw new AssertionError("no action asked\n" + screen());
        return a;
    }

    private CompletableFuture<Void> start() throws InterruptedException {
        top = new TopScreen(terminal, "hello", feed, actions, false, ZoneOffset.UTC);
        CompletableFuture<Void> done = CompletableFuture.runAsync(top::run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (listener == null && System.nanoTime() < deadline) Thread.sleep(10);
        listener.history(List.of(new AppTotals(Snapshots.AT - 2000, 2, 2, 0, 5.0, null, null, null, null, null, null, null, null, null, null)));
        listener.snapshot(Snapshots.app("online", List.of(Snapshots.served(0, 100, 2, 10), Snapshots.served(1, 50, 3, 20)), 150.0, 3.0));
        awaitScreen("4201");
        return done;
    }

    @Test
    void keysSelectAskAndQuitAndTheTerminalIsGivenBack() throws Exception {
        CompletableFuture<Void> done = start();
        assertTrue(awaitOutput("\033[?25l").startsWith("\033[?1049h"), "the alternate screen first, then the cursor is hidden");

        type("\033[B"); // down: slot 1
        type("k");
        assertEquals("restart 1", nextAction());
        awaitScreen("restart of slot 1: done");

        type("r");
        awaitScreen("replace every worker, one at a time? (y/n)");
        type("n");
        awaitScreen("reload cancelled");
        type("r");
        type("y");
        assertEquals("reload", nextAction());

        type("+");
        assertEquals("scale 1", nextAction());
        type("-");
        assertEquals("scale -1", nextAction());
        type("\033[A"); // up: slot 0
        type("k");
        assertEquals("restart 0", nextAction());

        type("s");
        awaitScreen("s sort: rps");
        type("x"); // unbound keys do nothing
        listener.failed("lost hello's primary: gone");
        awaitScreen("lost hello's primary: gone (q quits)");

        type("q");
        done.get(20, TimeUnit.SECONDS);
        awaitOutput("\033[?1049l"); // back to the main screen
        String all = awaitOutput("\033[?25h"); // the cursor is shown again
        assertTrue(all.lastIndexOf("\033[?25h") > all.lastIndexOf("\033[?25l"));
        assertTrue(feedClosed, "the stream is closed");
        assertEquals(null, asked.poll(), "nothing else was asked");
    }

    @Test
    void ctrlCEndsItTheSameWay() throws Exception {
        CompletableFuture<Void> done = start();
        terminal.raise(Terminal.Signal.INT);
        done.get(20, TimeUnit.SECONDS);
        awaitOutput("\033[?1049l");
        assertTrue(feedClosed);
    }

    @Test
    void resizingRedrawsForTheNewSize() throws Exception {
        CompletableFuture<Void> done = start();
        assertTrue(top.lastFrame.get(4).toString().startsWith("SLOT     PID STATE     CPU%"), "80 columns: " + top.lastFrame.get(4));
        terminal.setSize(new Size(200, 30));
        terminal.raise(Terminal.Signal.WINCH);
        awaitScreen("GEN UPTIME");
        type("q");
        done.get(20, TimeUnit.SECONDS);
    }
}
