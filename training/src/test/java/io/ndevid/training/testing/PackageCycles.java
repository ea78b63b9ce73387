package io.ndevid.training.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package dependency graph of compiled classes, read from their class files' constant pools (every class named in
 * a class reference, a field or method descriptor or a generic signature counts; Javadoc does not), and its cycles.
 * Shared by every module's package-cycle test (training's test-jar).
 */
public final class PackageCycles {

    /** A class constant's name: {@code a/b/C}. */
    private static final Pattern BARE_NAME = Pattern.compile("[A-Za-z_$][\\w$]*(?:/[A-Za-z_$][\\w$]*)+");
    /** A class in a descriptor or a generic signature: {@code La/b/C;} or {@code La/b/C<…>;}. */
    private static final Pattern IN_DESCRIPTOR = Pattern.compile("L([\\w$/]+)[;<]");

    /** Package → the packages (under the root) its classes refer to, itself excluded. */
    private final Map<String, Set<String>> edges;

    private PackageCycles(Map<String, Set<String>> edges) {
        this.edges = edges;
    }

    /**
     * Reads every {@code .class} file under {@code classesDir} whose package is {@code root} or below it, keeping
     * references to packages under {@code root}.
     */
    public static PackageCycles scan(Path classesDir, String root) {
        String rootPath = root.replace('.', '/');
        Map<String, Set<String>> edges = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classesDir.resolve(rootPath))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String from = packageOf(classesDir.relativize(f).toString().replace('\\', '/'));
                Set<String> to = edges.computeIfAbsent(from.replace('/', '.'), k -> new TreeSet<>());
                try (InputStream in = Files.newInputStream(f)) {
                    for (String name : referencedNames(in, f)) {
                        String p = packageOf(name);
                        if ((p.equals(rootPath) || p.startsWith(rootPath + "/")) && !p.equals(from)) {
                            to.add(p.replace('/', '.'));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the classes under " + classesDir, e);
        }
        return new PackageCycles(edges);
    }

    /**
     * The packages under {@code root} of the classes compiled beside {@code anyClass} (its module's main classes):
     * fails when that yields nothing, so a moved root cannot make a cycle check pass vacuously.
     */
    public static PackageCycles ofModuleOf(Class<?> anyClass, String root) {
        Path classes;
        try {
            classes = Path.of(anyClass.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the classes of " + anyClass, e);
        }
        PackageCycles graph = scan(classes, root);
        if (graph.edges().size() < 2) {
            throw new IllegalStateException("fewer than two packages under " + root + " in " + classes + ": "
                    + graph.edges().keySet());
        }
        return graph;
    }

    /** The graph: package → the packages it depends on. */
    public Map<String, Set<String>> edges() {
        return edges;
    }

    /**
     * Every package cycle, one per strongly connected component of more than one package, each written as a path
     * {@code a → b → … → a} through the component (sorted, so a failure message is stable).
     */
    public List<String> cycles() {
        List<String> out = new ArrayList<>();
        for (Set<String> component : stronglyConnected()) {
            if (component.size() > 1) {
                out.add(String.join(" → ", pathBack(component)));
            }
        }
        return out;
    }

    /** A shortest cycle from the component's first package back to itself, staying inside the component. */
    private List<String> pathBack(Set<String> component) {
        String start = component.iterator().next();
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String p = queue.poll();
            for (String q : edges.getOrDefault(p, Set.of())) {
                if (q.equals(start)) {
                    List<String> path = new ArrayList<>();
                    for (String at = p; at != null; at = parent.get(at)) {
                        path.add(0, at);
                    }
                    path.add(start);
                    return path;
                }
                if (component.contains(q) && !parent.containsKey(q)) {
                    parent.put(q, p);
                    queue.add(q);
                }
            }
        }
        throw new IllegalStateException("no cycle through " + start + " in " + component);
    }

    /** Tarjan's algorithm (recursion depth ≤ the number of packages). */
    private List<Set<String>> stronglyConnected() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] next = {0};
        for (String v : edges.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, index, low, stack, onStack, out, next);
            }
        }
        return out;
    }

    private void connect(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
                         Set<String> onStack, List<Set<String>> out, int[] next) {
        index.put(v, next[0]);
        low.put(v, next[0]);
        next[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : edges.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, index, low, stack, onStack, out, next);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }

    private static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash);
    }

    /** Internal class names ({@code a/b/C}) in the UTF-8 constants of a class file. */
    private static Set<String> referencedNames(InputStream raw, Path file) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException(file + " is not a class file");
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        Set<String> names = new TreeSet<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> {
                    String utf = in.readUTF();
                    if (BARE_NAME.matcher(utf).matches()) {
                        names.add(utf);
                    } else {
                        Matcher m = IN_DESCRIPTOR.matcher(utf);
                        while (m.find()) {
                            names.add(m.group(1));
                        }
                    }
                }
                case 3, 4 -> in.skipBytes(4);
                case 5, 6 -> {
                    in.skipBytes(8);
                    i++; // takes two entries
                }
                case 7, 8, 16, 19, 20 -> in.skipBytes(2);
                case 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                case 15 -> in.skipBytes(3);
                default -> throw new IOException(file + ": unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        return names;
    }
}
