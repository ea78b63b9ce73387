package io.ndevid.training.data;

import org.bytedeco.ffmpeg.global.avutil;

import java.nio.file.Paths;

/**
 * Loads FFmpeg's natives (from the {@code ffmpeg} {@code linux-x86_64} jar) once, into a cache under the user's
 * {@code ~/.ndevid} rather than JavaCPP's default {@code ~/.javacpp/cache} (≈ 65 MB unpack).
 *
 * <p>The cache directory is read by JavaCPP's {@code Loader} when that class initialises, so it only takes effect if
 * this runs before anything else in the JVM touched JavaCPP (e.g. OpenBLAS in {@code metrics}); set
 * {@code -Dorg.bytedeco.javacpp.cachedir} on the command line to be certain.
 */
final class FfmpegNatives {

    static final String CACHE_PROPERTY = "org.bytedeco.javacpp.cachedir";
    private static volatile boolean loaded;

    private FfmpegNatives() {}

    static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (FfmpegNatives.class) {
            if (loaded) {
                return;
            }
            if (System.getProperty(CACHE_PROPERTY) == null) {
                System.setProperty(CACHE_PROPERTY,
                        Paths.get(System.getProperty("user.home"), ".ndevid", "javacpp-cache").toString());
            }
            // Corrupt videos are reported by our own warning with the file name; FFmpeg's own chatter would only
            // repeat it without the name.
            avutil.av_log_set_level(avutil.AV_LOG_FATAL);
            loaded = true;
        }
    }
}
