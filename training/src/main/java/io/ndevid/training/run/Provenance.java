package io.ndevid.training.run;

import ai.djl.engine.Engine;
import io.ndevid.solvers.engine.TorchRuntime;

import java.net.InetAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where and with what a result was made, recorded next to it (Tribuo-style provenance). */
public final class Provenance {

    private Provenance() {}

    public static Map<String, Object> collect(String device) {
        Map<String, Object> p = new LinkedHashMap<>();
        String v = Provenance.class.getPackage().getImplementationVersion();
        p.put("ndevid", v == null ? "dev" : v);
        p.put("java", System.getProperty("java.version") + " " + System.getProperty("java.vm.name"));
        p.put("djl", Engine.getDjlVersion());
        p.put("libtorch", TorchRuntime.libtorchVersion());
        p.put("device", device);
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.put("cores", Runtime.getRuntime().availableProcessors());
        // libtorch's intra-op threads change floating-point reduction order, so they belong to what reproduces a run
        p.put("torch_threads", System.getProperty(TorchRuntime.THREADS_PROPERTY, "libtorch default"));
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown";
        }
        p.put("host", host);
        p.put("started", Instant.now().toString());
        return p;
    }
}
