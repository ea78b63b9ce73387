package io.ndevid.cli;

import picocli.CommandLine.Command;

/** {@code ndevid version}: the same as {@code --version}, as a subcommand for scripts. */
@Command(name = "version", description = "Print the versions of ndevid, Java, DJL and libtorch.")
final class VersionCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public void run() {
        for (String line : new VersionInfo().getVersion()) {
            out().println(line);
        }
    }
}
