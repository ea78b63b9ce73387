package io.ndevid.cli.console;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import io.ndevid.actors.status.ClusterSnapshot;

import java.io.IOException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The full-screen view (lanterna): fetches a snapshot every {@code interval} on a background thread, redraws on
 * each new snapshot, on resize and at least every {@code interval}; {@code q}, Esc or Ctrl-C quits and gives the
 * terminal back as it was. A lost connection shows as a status line while it keeps retrying.
 */
public final class FullScreen {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss'Z'");

    private record State(ClusterSnapshot snapshot, String problem) {}

    private FullScreen() {}

    public static void run(SnapshotClient client, Duration interval) throws IOException, InterruptedException {
        AtomicReference<State> state = new AtomicReference<>(new State(null, "connecting to " + client.uri()));
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "console-poll");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(() -> {
            try {
                state.set(new State(client.fetch(), null));
            } catch (IOException e) {
                State old = state.get();
                state.set(new State(old.snapshot(), "connection lost at "
                        + LocalTime.now(ZoneOffset.UTC).format(TIME) + ": " + e.getMessage() + "; retrying every "
                        + interval.toMillis() + " ms"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                state.set(new State(state.get().snapshot(), "bad snapshot: " + e));
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);

        // Ctrl-C arrives as a key (not SIGINT): the loop quits like on q, restores the terminal and exits 0
        Terminal terminal = new DefaultTerminalFactory().setForceTextTerminal(true)
                .setUnixTerminalCtrlCBehaviour(UnixLikeTerminal.CtrlCBehaviour.TRAP).createTerminal();
        Screen screen = new TerminalScreen(terminal);
        Thread restore = new Thread(() -> stop(screen), "console-restore");
        Runtime.getRuntime().addShutdownHook(restore); // SIGTERM / SIGINT from outside: give the terminal back
        screen.startScreen();
        screen.setCursorPosition(null);
        try {
            State drawn = null;
            long drawnAt = 0;
            TerminalSize size = screen.getTerminalSize();
            while (true) {
                KeyStroke key = screen.pollInput();
                while (key != null) {
                    if (quits(key)) {
                        return;
                    }
                    key = screen.pollInput();
                }
                TerminalSize resized = screen.doResizeIfNecessary();
                State now = state.get();
                boolean due = System.nanoTime() - drawnAt >= interval.toNanos();
                if (resized != null || now != drawn || due) {
                    if (resized != null) {
                        size = resized;
                    }
                    draw(screen, now, size, interval);
                    drawn = now;
                    drawnAt = System.nanoTime();
                }
                Thread.sleep(50);
            }
        } finally {
            poller.shutdownNow();
            stop(screen);
            try {
                Runtime.getRuntime().removeShutdownHook(restore);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    static boolean quits(KeyStroke key) {
        if (key.getKeyType() == KeyType.EOF || key.getKeyType() == KeyType.Escape) {
            return true;
        }
        if (key.getKeyType() != KeyType.Character) {
            return false;
        }
        char c = Character.toLowerCase(key.getCharacter());
        return c == 'q' || key.isCtrlDown() && c == 'c';
    }

    private static void draw(Screen screen, State state, TerminalSize size, Duration interval) throws IOException {
        screen.clear();
        TextGraphics g = screen.newTextGraphics();
        int width = size.getColumns();
        int height = size.getRows();
        List<String> lines;
        if (state.snapshot() == null) {
            lines = List.of(ConsoleView.clip(state.problem() == null ? "waiting for the first snapshot"
                    : state.problem(), width));
        } else {
            lines = ConsoleView.render(state.snapshot(), width, Math.max(1, height - 1), state.problem());
        }
        for (int row = 0; row < lines.size() && row < height - 1; row++) {
            g.putString(0, row, lines.get(row));
        }
        g.putString(0, height - 1, ConsoleView.clip("q: quit  refresh every " + interval.toMillis() + " ms  "
                + width + "x" + height, width));
        screen.refresh(Screen.RefreshType.COMPLETE);
    }

    private static final java.util.concurrent.atomic.AtomicBoolean STOPPED =
            new java.util.concurrent.atomic.AtomicBoolean();

    private static void stop(Screen screen) {
        if (STOPPED.getAndSet(true)) {
            return;
        }
        try {
            screen.stopScreen();
        } catch (IOException | RuntimeException ignored) {
            // the terminal is gone
        }
    }
}
