package io.ndevid.study.report;

import io.ndevid.study.experiment.ExperimentJournal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * An experiment's results in its folder — {@code results.md}, {@code results.csv}, {@code rank-stability.csv} and
 * {@code report.html} with {@code report/} — the one place that decides what they are and when they are current. The coordinator writes
 * them whenever an experiment finishes; {@code ndevid grid} waits for them; the HTTP API serves them.
 */
public final class StudyReport {

    public static final String MARKDOWN = "results.md";
    public static final String CSV = "results.csv";
    /** The rank-stability section as a csv ({@link RankStability}). */
    public static final String RANK_CSV = RankStability.CSV;
    public static final String HTML = "report.html";
    /** The folder beside {@link #HTML} with its images. */
    public static final String ASSETS = "report";
    /** The files a client may fetch, in the order they are written (the HTML last: its presence means done). */
    public static final List<String> FILES = List.of(MARKDOWN, CSV, RANK_CSV, HTML);

    private StudyReport() {}

    /** What {@link #write} wrote ({@code html} null from {@link #writeTables}). */
    public record Written(ResultsTables.Tables tables, Path markdown, Path csv, Path rankCsv, Path html) {}

    /**
     * Writes the tables and the report of the experiment in {@code expDir}, each file replaced atomically (a reader
     * sees the old or the new one, never a half-written file).
     */
    public static Written write(Path expDir, Renderer renderer, PrintWriter log) throws IOException {
        Written tables = writeTables(expDir);
        Path html = GridReport.write(expDir, tables.tables(), renderer, log);
        return new Written(tables.tables(), tables.markdown(), tables.csv(), tables.rankCsv(), html);
    }

    /**
     * Writes the tables alone — {@code results.md}, {@code results.csv}, {@code rank-stability.csv} — from the
     * experiment's files (e.g. again, for a grid that ran before a section existed); {@code report.html} stays as it
     * is.
     */
    public static Written writeTables(Path expDir) throws IOException {
        ResultsTables.Tables tables = ResultsTables.build(expDir);
        Path md = replace(expDir.resolve(MARKDOWN), tables.markdown());
        Path csv = replace(expDir.resolve(CSV), tables.csv());
        Path ranks = replace(expDir.resolve(RANK_CSV), tables.rankStabilityCsv());
        return new Written(tables, md, csv, ranks, null);
    }

    /** Whether the report was written after the journal's last change (false when either is missing). */
    public static boolean current(Path expDir) {
        Path html = expDir.resolve(HTML);
        Path journal = ExperimentJournal.fileIn(expDir);
        try {
            if (!Files.isRegularFile(html) || !Files.isRegularFile(journal)) {
                return false;
            }
            FileTime written = Files.getLastModifiedTime(html);
            return written.compareTo(Files.getLastModifiedTime(journal)) >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes {@code text} to a temporary file beside {@code file} and moves it over {@code file}. */
    static Path replace(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }
}
