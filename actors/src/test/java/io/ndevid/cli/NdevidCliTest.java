package io.ndevid.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NdevidCliTest {

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = NdevidCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter outW = new PrintWriter(out, true);
        PrintWriter errW = new PrintWriter(err, true);
        cl.setOut(outW);
        cl.setErr(errW);
        int code = cl.execute(args);
        outW.flush();
        errW.flush();
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsSubcommands() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("demo"), "out=" + r.out() + " err=" + r.err());
        assertTrue(r.out().contains("version"), r.out());
    }

    @Test
    void versionNamesLibtorch() {
        Run r = run("version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("libtorch 2.7.1"), r.out());
    }

    @Test
    void demoPrintsOneRowPerOrder() {
        Run r = run("demo", "--batch", "4", "--dim", "8", "--frames", "5", "--fine", "2");
        assertEquals(0, r.code(), r.err());
        for (String g : new String[] {"ode1", "ode2", "ode3", "sde"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(g + " ")), "row for " + g + " in\n" + r.out());
        }
    }

    @Test
    void badInputIsOneLineNotAStackTrace() {
        Run r = run("demo", "--method", "rk5");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown ODE method 'rk5'"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without -v: " + r.err());
    }

    @Test
    void metricsAndEvaluatorAreRegistered() {
        Run r = run("--help");
        assertTrue(r.out().contains("metrics") && r.out().contains("evaluator"), r.out());
        r = run("evaluator", "train", "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("--preset"), r.out());
        r = run("evaluator", "info", "--weights", "/nonexistent/e.params");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not found"), r.err());
        r = run("evaluator", "train", "--preset", "cpu-huge");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown preset"), r.err());
    }
}
