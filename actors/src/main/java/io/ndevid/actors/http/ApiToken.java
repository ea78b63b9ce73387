package io.ndevid.actors.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The API's write token: 32 random bytes, hex, in {@code <data-dir>/token}. Created with mode 600 from its first
 * byte (a temporary file created with those permissions, then hard-linked into place, which never replaces a token
 * another coordinator node wrote first); reused when present, so clients keep working across restarts and failover.
 */
public final class ApiToken {

    public static final String FILE_NAME = "token";

    private static final Logger LOG = LoggerFactory.getLogger(ApiToken.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final byte[] token;
    private final Path file;

    private ApiToken(String token, Path file) {
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** Reads {@code file}, creating it first (mode 600) when it does not exist. */
    public static ApiToken loadOrCreate(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!Files.exists(file)) {
                create(file);
            }
            String t = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (t.isEmpty()) {
                throw new IllegalStateException("token file " + file + " is empty; delete it to get a new token");
            }
            warnIfOthersCanRead(file);
            return new ApiToken(t, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API token " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a client's token file (trimmed); a clear error when it is missing. */
    public static String read(Path file) {
        try {
            String t = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("token file " + file + " is empty");
            }
            return t;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the token file " + file + " (" + e.getClass()
                    .getSimpleName() + "); the coordinator node writes it to <data-dir>/token");
        }
    }

    /**
     * A client's token: from {@code tokenFile} when given (it must be readable), else {@code envToken} (the
     * {@code NDEVID_TOKEN} variable) when set, else {@code <dir>/token} ({@code dir} null: {@code ./experiments}) when
     * readable; else empty.
     */
    public static java.util.Optional<String> find(Path tokenFile, String envToken, Path dir) {
        if (tokenFile != null) {
            return java.util.Optional.of(read(tokenFile));
        }
        if (envToken != null && !envToken.isBlank()) {
            return java.util.Optional.of(envToken.trim());
        }
        Path f = defaultFile(dir);
        return Files.isReadable(f) ? java.util.Optional.of(read(f)) : java.util.Optional.empty();
    }

    /** {@code <dir>/token}, {@code dir} null meaning {@code ./experiments}. */
    public static Path defaultFile(Path dir) {
        return (dir != null ? dir : Path.of("experiments")).resolve(FILE_NAME);
    }

    private static void create(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String hex = HexFormat.of().formatHex(random) + "\n";
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attrs = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".token-", ".tmp", attrs); // 600 from creation
        try {
            Files.writeString(tmp, hex, StandardCharsets.US_ASCII);
            try {
                Files.createLink(file, tmp); // atomic, and fails rather than replace a token that appeared meanwhile
            } catch (FileAlreadyExistsException raced) {
                // another node created it first: use theirs
            } catch (UnsupportedOperationException | IOException noLinks) {
                if (!Files.exists(file)) {
                    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        LOG.info("created the API token {}", file);
    }

    private static void warnIfOthersCanRead(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("the API token {} is readable by others ({}); chmod 600 it", file,
                        PosixFilePermissions.toString(p));
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system
        }
    }

    /** Whether an {@code Authorization} header value is {@code Bearer <this token>} (constant-time compare). */
    public boolean authorizes(String authorizationHeader) {
        if (authorizationHeader == null) {
            return false;
        }
        String h = authorizationHeader.trim();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = h.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, token);
    }
}
