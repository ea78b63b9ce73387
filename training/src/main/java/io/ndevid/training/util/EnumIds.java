package io.ndevid.training.util;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Parsing of the lower-case identifiers our enums use in specs and on the command line. */
public final class EnumIds {

    private EnumIds() {}

    /**
     * The constant whose id equals {@code s} (trimmed, case-insensitive).
     *
     * @throws IllegalArgumentException naming {@code what} and listing the known ids
     */
    public static <T> T parse(T[] values, Function<T, String> id, String s, String what) {
        String n = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (T v : values) {
            if (id.apply(v).equals(n)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + s + "'; known: "
                + Arrays.stream(values).map(id).collect(Collectors.joining(", ")));
    }
}
