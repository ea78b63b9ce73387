package io.ndevid.actors.http;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import io.ndevid.study.report.StudyReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

import static akka.http.javadsl.server.Directives.complete;
import static akka.http.javadsl.server.Directives.concat;
import static akka.http.javadsl.server.Directives.get;
import static akka.http.javadsl.server.Directives.path;
import static akka.http.javadsl.server.Directives.pathEnd;
import static akka.http.javadsl.server.Directives.pathPrefix;

/**
 * A finished experiment's results, as the coordinator wrote them into its folder ({@link StudyReport}): read from
 * this node's data directory (shared by every coordinator node), no token needed.
 * <ul>
 *   <li>{@code GET /api/experiments/{id}/results}: {@code results.md} (text/markdown);</li>
 *   <li>{@code GET /api/experiments/{id}/results.csv}: {@code results.csv};</li>
 *   <li>{@code GET /api/experiments/{id}/rank-stability.csv}: {@code rank-stability.csv};</li>
 *   <li>{@code GET /api/experiments/{id}/report}: {@code report.html}, whose images
 *       ({@code GET /api/experiments/{id}/report/{file}}) it links relatively.</li>
 * </ul>
 * Before the experiment finished (or for an unknown one) the answer is 404 with the reason.
 */
public final class ResultsRoutes {

    /** Experiment ids as a grid names them, and asset file names: nothing that walks out of the folder. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}");
    private static final ContentType.WithCharset MARKDOWN = MediaTypes.TEXT_MARKDOWN.toContentType(
            HttpCharsets.UTF_8);
    private static final ContentType.WithCharset CSV = MediaTypes.TEXT_CSV.toContentType(HttpCharsets.UTF_8);

    private final Path dataDir;

    public ResultsRoutes(Path dataDir) {
        this.dataDir = dataDir;
    }

    public Route route() {
        return pathPrefix("api", () -> pathPrefix("experiments", () -> pathPrefix(PathMatchers.segment(), id ->
                concat(
                        path("results", () -> get(() -> file(id, StudyReport.MARKDOWN, MARKDOWN))),
                        path("results.csv", () -> get(() -> file(id, StudyReport.CSV, CSV))),
                        path(StudyReport.RANK_CSV, () -> get(() -> file(id, StudyReport.RANK_CSV, CSV))),
                        pathPrefix("report", () -> concat(
                                pathEnd(() -> get(() -> file(id, StudyReport.HTML, ContentTypes.TEXT_HTML_UTF8))),
                                path(PathMatchers.segment(), asset -> get(() -> file(id,
                                        StudyReport.ASSETS + "/" + asset, assetType(asset))))))))));
    }

    private Route file(String id, String name, ContentType type) {
        boolean plain = NAME.matcher(id).matches();
        for (String part : name.split("/", -1)) {
            plain &= NAME.matcher(part).matches();
        }
        if (!plain) {
            return complete(ApiJson.error(StatusCodes.NOT_FOUND, "no such experiment or file: " + id + "/" + name));
        }
        Path expDir = dataDir.resolve(id);
        if (!Files.isRegularFile(expDir.resolve("journal.jsonl"))) {
            return complete(ApiJson.error(StatusCodes.NOT_FOUND, "unknown experiment '" + id + "'"));
        }
        Path file = expDir.resolve(name);
        if (!Files.isRegularFile(file)) {
            return complete(ApiJson.error(StatusCodes.NOT_FOUND, "experiment '" + id + "' has no " + name
                    + " yet: the coordinator writes the results tables and report when it finishes"));
        }
        try {
            return complete(HttpResponse.create().withEntity(type, Files.readAllBytes(file)));
        } catch (IOException e) {
            return complete(ApiJson.error(StatusCodes.INTERNAL_SERVER_ERROR, "cannot read " + file + ": "
                    + e.getMessage()));
        }
    }

    private static ContentType assetType(String file) {
        String f = file.toLowerCase(Locale.ROOT);
        if (f.endsWith(".png")) {
            return ContentTypes.create(MediaTypes.IMAGE_PNG);
        }
        if (f.endsWith(".gif")) {
            return ContentTypes.create(MediaTypes.IMAGE_GIF);
        }
        return ContentTypes.APPLICATION_OCTET_STREAM;
    }
}
