package io.ndevid.metrics.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ndevid.metrics.MetricsInputException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What every metrics subcommand shares: one JSON object on stdout on success; on failure one line on stderr and a
 * picocli exit code, never a stack trace.
 *
 * <p>Exit codes: 0 success; 2 ({@link CommandLine.ExitCode#USAGE}) for bad input — bad options (picocli itself),
 * missing or unreadable files, wrong shapes, NaN/Inf, too few samples, dimension mismatch; 1
 * ({@link CommandLine.ExitCode#SOFTWARE}) for anything unexpected (the message is still printed).
 */
final class CliSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CliSupport() {}

    /** Runs {@code body}; prints its result as one JSON line, or the error on stderr. */
    static int run(CommandSpec spec, Callable<Map<String, Object>> body) {
        PrintWriter err = spec.commandLine().getErr();
        String who = spec.qualifiedName(" ");
        try {
            Map<String, Object> result = body.call();
            PrintWriter out = spec.commandLine().getOut();
            out.println(JSON.writeValueAsString(result));
            out.flush();
            return CommandLine.ExitCode.OK;
        } catch (MetricsInputException e) {
            return fail(err, who, e.getMessage(), CommandLine.ExitCode.USAGE);
        } catch (NoSuchFileException e) {
            return fail(err, who, "file not found: " + e.getFile(), CommandLine.ExitCode.USAGE);
        } catch (AccessDeniedException e) {
            return fail(err, who, "cannot read " + e.getFile() + " (access denied)", CommandLine.ExitCode.USAGE);
        } catch (JsonProcessingException e) {
            return fail(err, who, "could not write the JSON result: " + e.getOriginalMessage(),
                    CommandLine.ExitCode.SOFTWARE);
        } catch (IOException e) {
            return fail(err, who, "I/O error: " + e, CommandLine.ExitCode.USAGE);
        } catch (Exception e) { // anything else: still one line, no stack trace
            return fail(err, who, "unexpected error: " + e, CommandLine.ExitCode.SOFTWARE);
        }
    }

    private static int fail(PrintWriter err, String who, String message, int code) {
        err.println(who + ": error: " + message);
        err.flush();
        return code;
    }
}
