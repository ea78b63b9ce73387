package io.ndevid.study.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tables from fabricated run folders: every row filled, failures named, header from final-metrics.json. */
class ResultsTablesTest {

    @TempDir
    Path dir;

    private static String spec(String name, String model, String temporal, String f) {
        return "{\"name\":\"" + name + "\",\"model\":\"" + model + "\",\"temporal\":\"" + temporal + "\",\"f\":\"" + f
                + "\"}";
    }

    @Test
    void tablesReadTheJournalResultsAndFinalMetrics() throws Exception {
        Path exp = dir.resolve("ablation-cpu-tiny");
        List<String> names = new ArrayList<>();
        List<String> specs = new ArrayList<>();
        for (String m : List.of("tgan", "mocogan")) {
            for (String t : List.of("original", "ode1", "ode2", "ode3", "sde")) {
                String n = m + "-" + t + (t.equals("original") ? "" : "-linear") + "-s0";
                names.add(n);
                specs.add(spec(n, m, t, "linear"));
            }
            for (String f : List.of("deep", "matched")) {
                String n = m + "-ode1-" + f + "-s0";
                names.add(n);
                specs.add(spec(n, m, "ode1", f));
            }
        }
        StringBuilder journal = new StringBuilder("{\"type\":\"submitted\",\"experimentId\":\"ablation-cpu-tiny\","
                + "\"grid\":{},\"trials\":[" + String.join(",", specs) + "],\"time\":\"2026-01-01T00:00:00Z\"}\n");
        StringBuilder results = new StringBuilder("{\"id\":\"ablation-cpu-tiny\",\"trials\":[");
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            String outcome = n.equals("mocogan-sde-linear-s0") ? "DIVERGED" : n.equals("tgan-ode3-linear-s0") ? "FAILED"
                    : "COMPLETED";
            String msg = outcome.equals("DIVERGED") ? "diverged at iteration 3" : outcome.equals("FAILED") ? "boom" : "";
            journal.append("{\"type\":\"started\",\"trial\":\"").append(n).append("\",\"attempt\":1,"
                    + "\"time\":\"2026-01-01T00:01:00Z\"}\n");
            journal.append("{\"type\":\"ended\",\"trial\":\"").append(n).append("\",\"attempt\":1,\"outcome\":\"")
                    .append(outcome).append("\",\"message\":\"").append(msg).append("\",\"time\":\"2026-01-01T00:01:")
                    .append(String.format("%02d", 10 + i)).append(".5Z\"}\n");
            results.append(i == 0 ? "" : ",").append("{\"name\":\"").append(n).append("\",\"state\":\"")
                    .append(outcome.equals("FAILED") ? "ERROR" : "TERMINATED").append("\",\"message\":\"")
                    .append(msg).append("\"}");
            Path run = exp.resolve("trials").resolve(n);
            Files.createDirectories(run);
            if (outcome.equals("COMPLETED")) {
                Files.writeString(run.resolve("final-metrics.json"), "{\"is_mean\":" + (1 + i * 0.1)
                        + ",\"is_std\":0.01,\"fid_mean\":" + (100 + i) + ",\"fid_std\":2.5,\"best_iteration\":" + (3 + i)
                        + ",\"batches\":5,\"samples_per_batch\":16,\"fid_method\":\"dxd-sqrt-eigh\","
                        + "\"evaluator\":\"c3d-test@sha256:abc\",\"preprocessing\":\"tgan route\","
                        + "\"temporal_parameters\":" + (1000 + i) + ",\"original_temporal_parameters\":978}");
            }
        }
        results.append("]}");
        Files.writeString(exp.resolve("journal.jsonl"), journal + "{\"type\":\"ended\",\"tri");   // a cut-off line
        Files.writeString(exp.resolve("results.json"), results.toString());

        ResultsTables.Tables t = ResultsTables.write(exp);
        assertEquals(List.of("tgan / ode1 / linear", "tgan / ode1 / deep", "tgan / ode1 / matched",
                "mocogan / ode1 / linear", "mocogan / ode1 / deep", "mocogan / ode1 / matched"),
                t.fAblation().stream().map(ResultsTables.Row::config).toList());
        assertEquals(List.of("tgan / original / linear", "tgan / ode1 / linear", "tgan / ode2 / linear",
                "tgan / ode3 / linear", "tgan / sde / linear", "mocogan / original / linear", "mocogan / ode1 / linear",
                "mocogan / ode2 / linear", "mocogan / ode3 / linear", "mocogan / sde / linear"),
                t.orders().stream().map(ResultsTables.Row::config).toList());
        ResultsTables.Row deep = t.fAblation().get(1);
        assertEquals("tgan-ode1-deep-s0", deep.trial());
        assertEquals("ok", deep.status());
        assertEquals(1.5, deep.isMean(), 1e-9);
        assertEquals(105, deep.fidMean(), 1e-9);
        assertEquals(1005, deep.temporalParams());
        assertEquals(978, deep.originalTemporalParams());
        assertEquals(15.5, deep.wallSeconds(), 1e-9);
        assertEquals(8, deep.bestIteration());
        ResultsTables.Row failed = t.orders().get(3);
        assertTrue(failed.status().startsWith("ERROR: boom"), failed.status());
        ResultsTables.Row diverged = t.orders().get(9);
        assertTrue(diverged.status().startsWith("DIVERGED: diverged at iteration 3"), diverged.status());

        String md = Files.readString(exp.resolve("results.md"));
        assertTrue(md.contains("evaluator: c3d-test@sha256:abc"), md);
        assertTrue(md.contains("preprocessing: tgan route"), md);
        assertTrue(md.contains("FID method: dxd-sqrt-eigh"), md);
        assertTrue(md.contains("K × N = 5 × 16"), md);
        assertTrue(md.contains("| tgan / ode1 / deep | ok | 1.500 ± 0.010 | 105.000 ± 2.500 | 1005 | 978 | 15.5 s | 8 |"),
                md);
        assertTrue(md.contains("| tgan / ode3 / linear | ERROR: boom |"), md);
        assertTrue(md.contains("| mocogan / sde / linear | DIVERGED: diverged at iteration 3 |"), md);
        List<String> csv = Files.readAllLines(exp.resolve("results.csv"));
        assertEquals(1 + 6 + 10, csv.size());
        assertTrue(csv.get(2).startsWith("f(x) ablation,tgan / ode1 / deep,tgan,ode1,deep,tgan-ode1-deep-s0,ok,1.50000,"),
                csv.get(2));
    }
}
