package io.ndevid.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ndevid}: the one command-line entry point. Subcommands are small classes; this class only wires them,
 * sets the log level and turns expected failures into a one-line message and an exit code (never a stack trace,
 * unless {@code -v} asks for it).
 */
@Command(name = "ndevid", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Video GANs with neural ODE/SDE temporal generators, trained as an ablation grid.",
        subcommands = {GridCommand.class, DemoCommand.class, TrainCommand.class, RenderCommand.class, NodeCommand.class,
            SubmitCommand.class, ConsoleCommand.class, EngineCommand.class, PlanCommand.class, TablesCommand.class,
            io.ndevid.metrics.cli.MetricsCommand.class, io.ndevid.metrics.cli.EvaluatorCommand.class,
            VersionCommand.class, CommandLine.HelpCommand.class})
public final class NdevidCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static int verbosity;

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "More log output (-v: info from every library, -vv: debug).")
    void setVerbose(boolean[] flags) {
        verbosity = flags.length;
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = (Logger) LoggerFactory.getLogger("io.ndevid");
        if (verbosity >= 2) {
            root.setLevel(Level.DEBUG);
            ours.setLevel(Level.DEBUG);
        } else if (verbosity == 1) {
            root.setLevel(Level.INFO);
            ours.setLevel(Level.DEBUG);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with ndevid's error handling; tests drive it the same way. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new NdevidCli());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("ndevid " + cmd.getCommandName() + ": " + message(ex));
            if (verbosity > 0) {
                ex.printStackTrace(cmd.getErr());
            } else {
                cmd.getErr().println("(run with -v for the stack trace)");
            }
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl;
    }

    private static String message(Throwable ex) {
        String msg = ex.getMessage();
        return msg == null || msg.isBlank() ? ex.getClass().getSimpleName() : msg;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
