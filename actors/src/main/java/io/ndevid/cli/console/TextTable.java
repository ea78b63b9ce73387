package io.ndevid.cli.console;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table that fits a width: columns take the width of their widest cell (within their bounds), then —
 * while the table is too wide — optional columns shrink to their minimum (least important first), names shrink to a
 * comfortable width, optional columns are dropped (least important first), and last names shrink to their minimum.
 * Right-aligned columns (numbers) are never cut, only dropped. Cells that do not fit are cut with {@code ~}, names
 * in the middle (their ends, e.g. a trial's seed, tell them apart). No line is ever wider than the width.
 */
final class TextTable {

    enum Align { LEFT, RIGHT }

    enum Cut { END, MIDDLE }

    /**
     * @param min      the narrowest a flexible column gets (= max for a fixed one)
     * @param max      the widest it gets
     * @param dropRank 0: never dropped; otherwise higher ranks are dropped first
     */
    record Column(String header, int min, int max, Align align, Cut cut, int dropRank) {
        static Column left(String header, int min, int max, int dropRank) {
            return new Column(header, min, max, Align.LEFT, Cut.END, dropRank);
        }

        /** An optional column whose values are told apart by both ends ({@code gpu-node-a/1} → {@code gpu~a/1}). */
        static Column middle(String header, int min, int max, int dropRank) {
            return new Column(header, min, max, Align.LEFT, Cut.MIDDLE, dropRank);
        }

        static Column name(String header, int min, int max) {
            return new Column(header, min, max, Align.LEFT, Cut.MIDDLE, 0);
        }

        static Column right(String header, int min, int max, int dropRank) {
            return new Column(header, min, max, Align.RIGHT, Cut.END, dropRank);
        }
    }

    private final List<Column> columns;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(List<Column> columns) {
        this.columns = List.copyOf(columns);
    }

    void add(String... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + columns.size() + " columns");
        }
        rows.add(cells);
    }

    /** The header line and {@code limit} rows (all when limit is larger), each at most {@code width} wide. */
    List<String> render(int width, int limit) {
        int n = columns.size();
        int[] w = new int[n];
        boolean[] shown = new boolean[n];
        for (int c = 0; c < n; c++) {
            Column col = columns.get(c);
            int widest = col.header().length();
            for (String[] r : rows) {
                widest = Math.max(widest, cell(r[c]).length());
            }
            w[c] = Math.max(Math.min(widest, col.max()), Math.min(col.min(), widest));
            shown[c] = true;
        }
        // numbers (right-aligned) are never cut: such a column keeps its width or goes
        int[] floor = new int[n];
        for (int c = 0; c < n; c++) {
            floor[c] = columns.get(c).align() == Align.RIGHT ? w[c] : Math.min(columns.get(c).min(), w[c]);
        }
        // 1. optional columns shrink to their minimum, least important first (the widest among equals)
        shrink(w, shown, width, true, c -> floor[c]);
        // 2. names (never dropped) shrink to a comfortable width
        shrink(w, shown, width, false, c -> Math.max(floor[c], Math.min(COMFORT, w[c])));
        // 3. optional columns are dropped, least important first
        while (total(w, shown) > width) {
            int drop = -1;
            for (int c = 0; c < n; c++) {
                int rank = columns.get(c).dropRank();
                if (shown[c] && rank > 0 && (drop < 0 || rank > columns.get(drop).dropRank())) {
                    drop = c;
                }
            }
            if (drop < 0) {
                break;
            }
            shown[drop] = false;
        }
        // 4. names shrink to their minimum; whatever is still too wide is cut at the end of the line
        shrink(w, shown, width, false, c -> floor[c]);
        List<String> out = new ArrayList<>();
        String[] header = columns.stream().map(Column::header).toArray(String[]::new);
        out.add(line(header, w, shown, width));
        for (int i = 0; i < rows.size() && i < limit; i++) {
            out.add(line(rows.get(i), w, shown, width));
        }
        return out;
    }

    int size() {
        return rows.size();
    }

    /** Names keep at least this many characters before optional columns are dropped. */
    private static final int COMFORT = 20;

    /** Shrinks optional (or rank-0) columns one character at a time, down to {@code floor}, until it fits. */
    private void shrink(int[] w, boolean[] shown, int width, boolean optional,
                        java.util.function.IntUnaryOperator floor) {
        int[] limit = new int[w.length];
        for (int c = 0; c < w.length; c++) {
            limit[c] = floor.applyAsInt(c);
        }
        while (total(w, shown) > width) {
            int pick = -1;
            for (int c = 0; c < w.length; c++) {
                Column col = columns.get(c);
                if (!shown[c] || (col.dropRank() > 0) != optional || w[c] <= limit[c]) {
                    continue;
                }
                if (pick < 0 || col.dropRank() > columns.get(pick).dropRank()
                        || col.dropRank() == columns.get(pick).dropRank() && w[c] > w[pick]) {
                    pick = c;
                }
            }
            if (pick < 0) {
                return;
            }
            w[pick]--;
        }
    }

    private static int total(int[] w, boolean[] shown) {
        int t = 0;
        int k = 0;
        for (int c = 0; c < w.length; c++) {
            if (shown[c]) {
                t += w[c];
                k++;
            }
        }
        return t + Math.max(0, k - 1);
    }

    private String line(String[] cells, int[] w, boolean[] shown, int width) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (!shown[c]) {
                continue;
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            Column col = columns.get(c);
            String s = fit(cell(cells[c]), w[c], col.cut());
            if (col.align() == Align.RIGHT) {
                b.append(" ".repeat(w[c] - s.length())).append(s);
            } else {
                b.append(s).append(" ".repeat(w[c] - s.length()));
            }
        }
        return ConsoleView.clip(ConsoleView.stripRight(b.toString()), width);
    }

    private static String cell(String s) {
        return s == null ? "-" : s;
    }

    static String fit(String s, int width, Cut cut) {
        if (s.length() <= width) {
            return s;
        }
        if (width <= 1) {
            return s.substring(0, Math.max(0, width));
        }
        if (cut == Cut.MIDDLE && width >= 5) {
            int tail = (width - 1) / 2;
            int head = width - 1 - tail;
            return s.substring(0, head) + "~" + s.substring(s.length() - tail);
        }
        return s.substring(0, width - 1) + "~";
    }
}
