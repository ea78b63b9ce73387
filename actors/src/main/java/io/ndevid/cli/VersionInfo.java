package io.ndevid.cli;

import io.ndevid.solvers.engine.TorchRuntime;
import picocli.CommandLine;

/** Versions of ndevid and of the stack it runs on, for {@code --version} and provenance. */
public final class VersionInfo implements CommandLine.IVersionProvider {

    public static String ndevid() {
        String v = VersionInfo.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "ndevid " + ndevid(),
            "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            "DJL " + ai.djl.engine.Engine.getDjlVersion() + ", libtorch " + TorchRuntime.libtorchVersion()
                    + ", GPUs visible: " + TorchRuntime.engine().getGpuCount(),
        };
    }
}
