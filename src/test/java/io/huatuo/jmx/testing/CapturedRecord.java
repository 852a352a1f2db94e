package io.huatuo.jmx.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** A ring record captured from the kernel, stored as hex lines ('#' lines are comments) in test resources. */
public final class CapturedRecord {
    /** Where the record starts in the returned buffer, so decoders are tested at a non-zero offset. */
    public static final int OFFSET = 16;

    private CapturedRecord() {
    }

    /** The record at {@link #OFFSET} of a little-endian buffer, as the ring poller hands it over. */
    public static ByteBuffer load(String resource) throws IOException {
        try (InputStream in = CapturedRecord.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no test resource " + resource);
            }
            StringBuilder hex = new StringBuilder();
            new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines()
                    .filter(l -> !l.startsWith("#")).forEach(hex::append);
            byte[] bytes = HexFormat.of().parseHex(hex);
            return ByteBuffer.allocate(bytes.length + OFFSET).order(ByteOrder.LITTLE_ENDIAN).put(OFFSET, bytes);
        }
    }
}
