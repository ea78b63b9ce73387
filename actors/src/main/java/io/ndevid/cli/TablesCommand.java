package io.ndevid.cli;

import io.ndevid.study.report.Renderer;
import io.ndevid.study.report.StudyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ndevid tables DIR}: writes the results tables of a grid that already ran — {@code results.md},
 * {@code results.csv}, {@code rank-stability.csv} ({@link StudyReport#writeTables}) — from its journal and run
 * folders, and prints {@code results.md}; {@code --report} also writes {@code report.html} again (rendering the
 * continuous-time figures in this process). Nothing is trained or evaluated.
 */
@Command(name = "tables", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = {"Write the results tables (results.md, results.csv, rank-stability.csv) of a grid that already "
            + "ran, from its journal and run folders, and print results.md. Nothing is trained or evaluated."})
final class TablesCommand implements java.util.concurrent.Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The grid's data folder (its --out) or its experiment folder "
            + "(the one with journal.jsonl).")
    Path dir;

    @Option(names = "--report", description = "Also write report.html and report/ again (renders the best ODE and "
            + "SDE trial from their checkpoints in this process).")
    boolean report;

    @Override
    public Integer call() throws IOException {
        Path expDir = GridCommand.experimentIn(dir, "tables");
        PrintWriter w = spec.commandLine().getOut();
        StudyReport.Written written;
        try {
            written = report ? StudyReport.write(expDir, Renderer.inProcess(), w) : StudyReport.writeTables(expDir);
        } catch (UncheckedIOException | IllegalStateException e) {
            throw new IllegalArgumentException("tables " + expDir + ": " + e.getMessage());
        }
        w.println(Files.readString(written.markdown()));
        w.printf("wrote %s, %s, %s%s%n", written.markdown(), written.csv(), written.rankCsv(),
                written.html() == null ? "" : ", " + written.html());
        w.flush();
        return 0;
    }
}
