package io.jcluster.cli.top;

import io.jcluster.cli.metrics.AppSnapshot;
import io.jcluster.cli.metrics.AppTotals;
import io.jcluster.cli.metrics.WorkerSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jline.keymap.BindingReader;
import org.jline.keymap.KeyMap;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;

/**
 * The interactive {@code jcluster top}: takes over the terminal (raw mode, the alternate screen, no
 * cursor), draws a {@link TopView} frame whenever a snapshot arrives, a key is pressed or the
 * terminal is resized, and gives the terminal back as it found it when it ends: on {@code q}, on
 * Ctrl-C, on the end of input, on an error, and (through a shutdown hook) on SIGTERM.
 *
 * <p>Threads: this one reads keys and draws ({@link Display} is not thread-safe); the feed's thread
 * only stores snapshots; actions run on a thread of their own and leave a message for the footer.
 */
public final class TopScreen {
    /** How long a message stays in the footer. */
    static final long MESSAGE_MILLIS = 6000;
    /** The longest wait for a key: how soon a resize, a snapshot or Ctrl-C is seen. */
    static final long POLL_MILLIS = 100;
    private static final int HISTORY_KEPT = 600;

    /** What keys do. */
    enum Op { QUIT, UP, DOWN, PAGE_UP, PAGE_DOWN, RESTART, RELOAD, SCALE_UP, SCALE_DOWN, SORT, YES, NO, REDRAW, NONE }

    private final Terminal terminal;
    private final String app;
    private final TopFeed feed;
    private final TopActions actions;
    private final boolean color;
    private final ZoneId zone;

    // written by the feed's and the actions' threads, read by this one
    private final Object lock = new Object();
    private AppSnapshot snapshot;
    /** Total requests per second, one per snapshot, oldest first; null where unknown. */
    private final List<Double> rps = new ArrayList<>();
    private long lastAt;
    private String notice;
    private long noticeUntil;
    private long version;
    private volatile boolean quit;
    /** The frame on the screen, for tests (the display writes only what changed). */
    volatile List<AttributedString> lastFrame = List.of();
    private volatile boolean resized;

    // this thread only
    private int selectedSlot = -1;
    private int firstRow;
    private SortColumn sort = SortColumn.SLOT;
    private Op confirming;
    private final AtomicBoolean restored = new AtomicBoolean();

    /**
     * @param color whether colors may be used (the caller checks {@code NO_COLOR} and the terminal)
     */
    public TopScreen(Terminal terminal, String app, TopFeed feed, TopActions actions, boolean color, ZoneId zone) {
        this.terminal = terminal;
        this.app = app;
        this.feed = feed;
        this.actions = actions;
        this.color = color;
        this.zone = zone;
    }

    /** Runs until {@code q}, Ctrl-C or the end of input; the terminal is restored before it returns. */
    public void run() {
        Terminal.SignalHandler prevWinch = terminal.handle(Terminal.Signal.WINCH, s -> resized = true);
        Terminal.SignalHandler prevInt = terminal.handle(Terminal.Signal.INT, s -> quit = true);
        Attributes attributes = terminal.enterRawMode();
        Runnable restore = () -> restore(attributes, prevWinch, prevInt);
        Thread hook = new Thread(restore, "top-restore");
        Runtime.getRuntime().addShutdownHook(hook);
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "top-actions");
            t.setDaemon(true);
            return t;
        });
        try {
            if (!terminal.puts(Capability.enter_ca_mode)) terminal.puts(Capability.clear_screen);
            terminal.puts(Capability.keypad_xmit);
            terminal.puts(Capability.cursor_invisible);
            terminal.flush();
            loop(worker);
        } finally {
            worker.shutdownNow();
            restore.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook restores (and finds it done)
            }
        }
    }

    private void loop(ExecutorService worker) {
        Display display = new Display(terminal, true);
        Size size = new Size();
        size.copy(terminal.getSize());
        display.resize(size.getRows(), size.getColumns());
        BindingReader keys = new BindingReader(terminal.reader());
        KeyMap<Op> map = keyMap(terminal);
        feed.start(listener());
        long drawn = -1;
        boolean dirty = true;
        while (!quit) {
            if (resized) {
                resized = false;
                size.copy(terminal.getSize());
                display.clear();
                display.resize(size.getRows(), size.getColumns());
                dirty = true;
            }
            TopState state = state();
            long v = versionNow();
            if (dirty || v != drawn) {
                List<AttributedString> frame = TopView.render(state, size.getColumns(), size.getRows());
                display.update(frame, 0);
                lastFrame = frame;
                terminal.flush();
                drawn = v;
                dirty = false;
            }
            int c = keys.peekCharacter(POLL_MILLIS);
            if (c == NonBlockingReader.EOF) break;
            if (c == NonBlockingReader.READ_EXPIRED) continue;
            Op op = keys.readBinding(map, null, false);
            if (op == null) continue;
            if (op == Op.REDRAW) display.clear();
            handle(op, state, size.getRows(), worker);
            dirty = true;
        }
    }

    /** What a key does, given what the screen shows. This thread only. */
    void handle(Op op, TopState shown, int rows, ExecutorService worker) {
        if (confirming != null) {
            Op asked = confirming;
            confirming = null;
            if (op == Op.YES && asked == Op.RELOAD) {
                run(worker, "reloading " + app + "...", actions::reload);
            } else {
                notice("reload cancelled");
            }
            return;
        }
        List<WorkerSnapshot> list = TopView.rows(shown);
        switch (op) {
            case QUIT -> quit = true;
            case UP, DOWN, PAGE_UP, PAGE_DOWN -> {
                if (list.isEmpty()) return;
                int at = indexOf(list, selectedSlot);
                int step = switch (op) {
                    case UP -> -1;
                    case DOWN -> 1;
                    case PAGE_UP -> -Math.max(1, TopView.visibleRows(rows));
                    default -> Math.max(1, TopView.visibleRows(rows));
                };
                at = at < 0 ? 0 : Math.max(0, Math.min(list.size() - 1, at + step));
                selectedSlot = list.get(at).slot();
                firstRow = TopView.scroll(firstRow, at, TopView.visibleRows(rows), list.size());
            }
            case RESTART -> {
                if (selectedSlot < 0) {
                    notice("select a worker first (up/down)");
                } else {
                    int slot = selectedSlot;
                    run(worker, "restarting slot " + slot + "...", () -> actions.restart(slot));
                }
            }
            case RELOAD -> {
                confirming = Op.RELOAD;
                notice("reload " + app + ": replace every worker, one at a time? (y/n)", Long.MAX_VALUE);
            }
            case SCALE_UP -> run(worker, "adding a worker...", () -> actions.scale(1));
            case SCALE_DOWN -> run(worker, "removing a worker...", () -> actions.scale(-1));
            case SORT -> {
                sort = sort.next();
                int at = indexOf(TopView.rows(withSort(shown)), selectedSlot);
                firstRow = TopView.scroll(firstRow, at, TopView.visibleRows(rows), list.size());
            }
            default -> { }
        }
    }

    private TopState withSort(TopState s) {
        return new TopState(s.app(), s.snapshot(), s.rpsHistory(), selectedSlot, firstRow, sort, s.footer(), s.color(),
                s.unicode(), s.zone());
    }

    private void run(ExecutorService worker, String doing, Supplier<String> action) {
        notice(doing, Long.MAX_VALUE);
        worker.execute(() -> {
            String result;
            try {
                result = action.get();
            } catch (RuntimeException e) {
                result = "failed: " + e.getMessage();
            }
            notice(result);
        });
    }

    private void notice(String text) {
        notice(text, MESSAGE_MILLIS);
    }

    private void notice(String text, long millis) {
        synchronized (lock) {
            notice = text;
            noticeUntil = millis == Long.MAX_VALUE ? Long.MAX_VALUE : System.currentTimeMillis() + millis;
            version++;
        }
    }

    private static int indexOf(List<WorkerSnapshot> rows, int slot) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).slot() == slot) return i;
        }
        return -1;
    }

    /** The frame's state now. */
    TopState state() {
        synchronized (lock) {
            String footer = null;
            if (notice != null) {
                if (System.currentTimeMillis() < noticeUntil) {
                    footer = notice;
                } else {
                    notice = null;
                    version++;
                }
            }
            if (selectedSlot < 0 && snapshot != null && !snapshot.workers().isEmpty()) {
                selectedSlot = snapshot.workers().get(0).slot();
            }
            return new TopState(app, snapshot, new ArrayList<>(rps), selectedSlot, firstRow, sort, footer, color,
                    StandardCharsets.UTF_8.equals(terminal.encoding()), zone);
        }
    }

    private long versionNow() {
        synchronized (lock) {
            return version;
        }
    }

    TopFeed.Listener listener() {
        return new TopFeed.Listener() {
            @Override
            public void history(List<AppTotals> totals) {
                synchronized (lock) {
                    for (AppTotals t : totals) add(t);
                    version++;
                }
            }

            @Override
            public void snapshot(AppSnapshot s) {
                synchronized (lock) {
                    snapshot = s;
                    add(s.totals());
                    version++;
                }
            }

            @Override
            public void failed(String why) {
                notice(why + " (q quits)", Long.MAX_VALUE);
            }
        };
    }

    private void add(AppTotals t) {
        if (t.atEpochMillis() <= lastAt) return;
        lastAt = t.atEpochMillis();
        rps.add(t.requestsPerSecond());
        if (rps.size() > HISTORY_KEPT) rps.subList(0, rps.size() - HISTORY_KEPT).clear();
    }

    private void restore(Attributes attributes, Terminal.SignalHandler prevWinch, Terminal.SignalHandler prevInt) {
        if (!restored.compareAndSet(false, true)) return;
        feed.close();
        try {
            terminal.setAttributes(attributes);
            terminal.handle(Terminal.Signal.WINCH, prevWinch == null ? Terminal.SignalHandler.SIG_DFL : prevWinch);
            terminal.handle(Terminal.Signal.INT, prevInt == null ? Terminal.SignalHandler.SIG_DFL : prevInt);
            if (!terminal.puts(Capability.exit_ca_mode)) terminal.puts(Capability.clear_screen);
            terminal.puts(Capability.keypad_local);
            // cnorm, not cvvis: "very visible" does not undo civis everywhere (tmux)
            if (!terminal.puts(Capability.cursor_normal)) terminal.puts(Capability.cursor_visible);
            terminal.flush();
        } catch (RuntimeException e) {
            // the terminal went away: nothing left to restore
        }
    }

    static KeyMap<Op> keyMap(Terminal terminal) {
        KeyMap<Op> keys = new KeyMap<>();
        keys.bind(Op.QUIT, "q", "Q", KeyMap.ctrl('C'));
        bind(keys, terminal, Op.UP, Capability.key_up, "\033[A", "\033OA");
        bind(keys, terminal, Op.DOWN, Capability.key_down, "\033[B", "\033OB");
        bind(keys, terminal, Op.PAGE_UP, Capability.key_ppage, "\033[5~");
        bind(keys, terminal, Op.PAGE_DOWN, Capability.key_npage, "\033[6~");
        keys.bind(Op.RESTART, "k");
        keys.bind(Op.RELOAD, "r");
        keys.bind(Op.SCALE_UP, "+", "=");
        keys.bind(Op.SCALE_DOWN, "-", "_");
        keys.bind(Op.SORT, "s");
        keys.bind(Op.YES, "y", "Y");
        keys.bind(Op.NO, "n", "N", "\033");
        keys.bind(Op.REDRAW, KeyMap.ctrl('L'));
        keys.setNomatch(Op.NONE);
        keys.setUnicode(Op.NONE);
        keys.setAmbiguousTimeout(200);
        return keys;
    }

    /** Binds the terminal's own sequence for {@code key} (when it has one) and the usual ones. */
    private static void bind(KeyMap<Op> keys, Terminal terminal, Op op, Capability key, String... usual) {
        String own = KeyMap.key(terminal, key);
        if (own != null && !own.isEmpty()) keys.bind(op, own);
        keys.bind(op, usual);
    }
}
