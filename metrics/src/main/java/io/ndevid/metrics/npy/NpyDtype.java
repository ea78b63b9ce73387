package io.ndevid.metrics.npy;

/** The NumPy dtypes this reader/writer handles: little-endian floats and ints, and bytes. */
public enum NpyDtype {
    FLOAT32("<f4", 4),
    FLOAT64("<f8", 8),
    INT32("<i4", 4),
    INT64("<i8", 8),
    UINT8("|u1", 1);

    private final String descr;
    private final int itemSize;

    NpyDtype(String descr, int itemSize) {
        this.descr = descr;
        this.itemSize = itemSize;
    }

    /** The {@code descr} string NumPy writes, e.g. {@code <f8}. */
    public String descr() {
        return descr;
    }

    public int itemSize() {
        return itemSize;
    }

    /**
     * The dtype for a header's {@code descr}.
     *
     * @throws NpyFormatException naming the descr and what is supported
     */
    static NpyDtype fromDescr(String descr, String source) {
        String d = descr;
        // One-byte types may be written with any byte-order mark ('|u1', '<u1', 'u1', '=u1').
        if (d.endsWith("u1") && d.length() <= 3) {
            return UINT8;
        }
        for (NpyDtype t : values()) {
            if (t.descr.equals(d)) {
                return t;
            }
        }
        if (d.startsWith(">")) {
            throw new NpyFormatException(source + ": big-endian dtype '" + descr + "' is not supported; save with a "
                    + "little-endian dtype, e.g. a.astype('<" + d.substring(1) + "')");
        }
        throw new NpyFormatException(source + ": dtype '" + descr + "' is not supported (supported: <f4, <f8, <i4, "
                + "<i8, |u1)");
    }
}
