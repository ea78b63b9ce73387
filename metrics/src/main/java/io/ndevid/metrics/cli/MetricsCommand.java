package io.ndevid.metrics.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code metrics} — FID and IS from {@code .npy} files. A plain picocli command: the root {@code ndevid} CLI adds it as
 * a subcommand ({@code new CommandLine(root).addSubcommand(new MetricsCommand())}, or list the class in its
 * {@code subcommands}); {@link #main} runs it on its own.
 *
 * <pre>
 *   metrics fid   --real A.npy | --real-stats A.fidstats  --fake B.npy  [--route auto|nxn|dxd]
 *   metrics is    --probs P.npy [--splits S]
 *   metrics stats --features A.npy --out A.fidstats [--provenance TEXT]
 * </pre>
 * Each prints exactly one JSON object on stdout; on bad input an error line on stderr and exit code 2.
 */
@Command(name = "metrics",
        description = "Video GAN evaluation metrics (FID, IS) from feature/probability .npy files.",
        mixinStandardHelpOptions = true,
        subcommands = {FidCommand.class, IsCommand.class, StatsCommand.class})
public class MetricsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    public MetricsCommand() {
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: one of fid, is, stats");
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new MetricsCommand()).execute(args));
    }
}
