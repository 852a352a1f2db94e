package io.huatuo.jmx.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JNI netlink socket: a link dump comes back in batches, close wakes a blocked receive. No root needed. */
class NetlinkTest {
    @Test
    void linkDumpArrivesInFramedDatagrams() throws Exception {
        try (Netlink n = Netlink.open(Netlink.NETLINK_ROUTE, 0)) {
            n.requestLinkDump(77);
            ByteBuffer buf = Netlink.buffer(0);
            boolean done = false;
            int messages = 0;
            while (!done) {
                int got = n.receive(buf, 2000);
                assertTrue(got > 0, "dump replies within 2 s");
                for (int at = 0; at < got; ) {
                    int len = buf.getInt(at);
                    for (int m = at + 4; m < at + 4 + len; ) {
                        int mlen = buf.getInt(m);
                        int type = buf.getShort(m + 4);
                        assertEquals(77, buf.getInt(m + 8), "the dump's sequence number");
                        done |= type == 3; // NLMSG_DONE
                        messages += type == 16 ? 1 : 0; // RTM_NEWLINK
                        m += (mlen + 3) & ~3;
                    }
                    at += 4 + ((len + 3) & ~3);
                }
            }
            assertTrue(messages >= 1, "at least lo");
        }
    }

    @Test
    void closeWakesABlockedReceiveAndIsIdempotent() throws Exception {
        Netlink n = Netlink.open(Netlink.NETLINK_ROUTE, 0);
        ByteBuffer buf = Netlink.buffer(0);
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> {
            try {
                return n.receive(buf, -1);
            } catch (Netlink.NetlinkException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        n.close();
        assertEquals(-1, r.get(5, TimeUnit.SECONDS));
        n.close();
        assertEquals(-1, n.receive(buf, 0), "receive after close");
    }
}
