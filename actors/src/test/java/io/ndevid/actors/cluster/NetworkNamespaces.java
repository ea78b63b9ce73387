package io.ndevid.actors.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Network namespaces joined by a bridge, one per "machine", for partition tests: {@link #add} makes namespace
 * {@code ndvpt-<pid>-<name>} with a veth pair whose inner end ({@code nv<pid><name>n}) has address
 * {@code 10.213.<S>.<i>/24} and whose outer end ({@code nv<pid><name>h}) is a port of bridge {@code nv<pid>br} (address
 * {@code .1}, so the test JVM reaches the nodes' HTTP APIs). A process started under {@link #exec} sees only its
 * namespace's loopback and veth: the namespaces have no default route, and nothing leaves the bridge's subnet.
 * {@link #cut} sets a namespace's outer veth end down: that machine is partitioned from every other and from the test.
 * {@link #close} deletes every namespace and link this instance made; {@link #removeLeftovers} deletes those of
 * earlier test JVMs that died without closing (their pid in the name is no longer alive).
 *
 * <p>Needs root and iproute2 ({@code ip netns}); {@link #unavailable} says why not, for an assumption.
 */
final class NetworkNamespaces implements AutoCloseable {

    static final String NS_PREFIX = "ndvpt-";
    static final String LINK_PREFIX = "nv";
    private static final Pattern NS_NAME = Pattern.compile("^" + NS_PREFIX + "(\\d+)-\\S+");
    private static final Pattern LINK_NAME = Pattern.compile("^\\d+: (" + LINK_PREFIX + "(\\d+)(br|[a-z]+[hn]))[@:]");

    private final long pid = ProcessHandle.current().pid();
    private final int subnet = (int) (pid % 200) + 20;
    private final String bridge = LINK_PREFIX + pid + "br";
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();

    /** Null when this machine can run namespaces; else why not (one line). */
    static String unavailable() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return "network namespaces need Linux, this is " + System.getProperty("os.name");
        }
        try {
            Result id = run(List.of("id", "-u"));
            if (id.code != 0 || !id.out.trim().equals("0")) {
                return "network namespaces need root (uid " + id.out.trim() + ")";
            }
            Result ip = run(List.of("ip", "netns", "list"));
            if (ip.code != 0) {
                return "`ip netns list` failed: " + ip.out.trim();
            }
            return null;
        } catch (IOException e) {
            return "no `ip` (iproute2) here: " + e.getMessage();
        }
    }

    /** A bridge for this test JVM's namespaces, after removing the leftovers of dead test JVMs. */
    NetworkNamespaces() throws IOException {
        removeLeftovers();
        ip("link", "add", "name", bridge, "type", "bridge", "forward_delay", "0");
        links.add(bridge);
        try {
            ip("addr", "add", address(1) + "/24", "dev", bridge);
            ip("link", "set", bridge, "up");
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The address of host {@code i} on this instance's subnet. */
    String address(int i) {
        return "10.213." + subnet + "." + i;
    }

    /**
     * Namespace {@code name} (a short lower-case word) on the bridge with address {@link #address}({@code i}); the
     * node to run there binds that address and runs under {@code ip netns exec}.
     */
    ClusterProcesses.Where add(String name, int i) throws IOException {
        String ns = NS_PREFIX + pid + "-" + name;
        String outer = LINK_PREFIX + pid + name + "h";
        String inner = LINK_PREFIX + pid + name + "n";
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("link", "add", outer, "type", "veth", "peer", "name", inner);
        links.add(outer);
        ip("link", "set", inner, "netns", ns);
        ip("link", "set", outer, "master", bridge);
        ip("link", "set", outer, "up");
        ip("-n", ns, "link", "set", "lo", "up");
        ip("-n", ns, "addr", "add", address(i) + "/24", "dev", inner);
        ip("-n", ns, "link", "set", inner, "up");
        return new ClusterProcesses.Where(address(i), List.of("ip", "netns", "exec", ns));
    }

    /** Partitions namespace {@code name} from all others (and from the test JVM): its bridge port goes down. */
    void cut(String name) throws IOException {
        ip("link", "set", LINK_PREFIX + pid + name + "h", "down");
    }

    /** Deletes this instance's namespaces (their inner veth ends go with them) and links; reports what failed. */
    @Override
    public void close() {
        List<String> failed = new ArrayList<>();
        for (String ns : namespaces) {
            quietly(List.of("ip", "netns", "del", ns), failed);
        }
        for (String link : links) {
            if (exists(link)) {
                quietly(List.of("ip", "link", "del", link), failed);
            }
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("cannot remove " + failed);
        }
    }

    /** Namespaces and links of test JVMs no longer alive (the pid in their names), e.g. a killed earlier run. */
    static void removeLeftovers() throws IOException {
        List<String> failed = new ArrayList<>();
        for (String line : run(List.of("ip", "netns", "list")).out.lines().toList()) {
            Matcher m = NS_NAME.matcher(line);
            if (m.find() && !alive(m.group(1))) {
                quietly(List.of("ip", "netns", "del", line.split("\\s+")[0]), failed);
            }
        }
        for (String line : run(List.of("ip", "-o", "link", "show")).out.lines().toList()) {
            Matcher m = LINK_NAME.matcher(line);
            if (m.find() && !alive(m.group(2))) {
                quietly(List.of("ip", "link", "del", m.group(1)), failed);
            }
        }
        if (!failed.isEmpty()) {
            System.err.println("leftovers of earlier partition tests not removed: " + failed);
        }
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).isPresent();
    }

    private static boolean exists(String link) {
        try {
            return run(List.of("ip", "link", "show", link)).code == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void quietly(List<String> cmd, List<String> failed) {
        try {
            Result r = run(cmd);
            if (r.code != 0) {
                failed.add(String.join(" ", cmd) + ": " + r.out.trim());
            }
        } catch (IOException e) {
            failed.add(String.join(" ", cmd) + ": " + e.getMessage());
        }
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Result r = run(cmd);
        if (r.code != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.code + "): " + r.out.trim());
        }
    }

    private record Result(int code, String out) {}

    private static Result run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within 20 s");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }
}
