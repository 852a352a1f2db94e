package io.huatuo.jmx.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Kernel addresses are zeroed in event text, everything else is left as it was. */
class KernelAddressesTest {
    @Test
    void stackFramesKeepTheirSymbolsAndShape() {
        assertEquals("kfree_skb_list/0000000000000000 [kernel]\ntcp_v4_rcv/0000000000000000 [kernel]\n"
                + "?/0000000000000000 [unknown]\nxfs_iget/0000000000000000 [xfs]",
                KernelAddresses.hide("kfree_skb_list/ffffffff9a0cd670 [kernel]\ntcp_v4_rcv/ffffffff9a2b1c40 [kernel]\n"
                        + "?/ffffffffc0a1b2c4 [unknown]\nxfs_iget/ffffffffc0e01230 [xfs]"));
    }

    @Test
    void pointersAndRegisterDumpsAreZeroed() {
        assertEquals("0x0000000000000000", KernelAddresses.hide("0xff4b8d8be3818000".replace("ff4b", "ffff")));
        assertEquals("RSP: 0018:0000000000000000 EFLAGS: 00000246\nRAX: 0000000000000000 RBX: 0000000000000000",
                KernelAddresses.hide("RSP: 0018:ffffb2c0c0127d58 EFLAGS: 00000246\n"
                        + "RAX: 0000000000000000 RBX: ffff9e2c41a3b000"));
    }

    @Test
    void otherTextIsUntouched() {
        for (String s : new String[] {"", "read_tsc+0x3/0x20", "ffffffff", "fffffffffffffffff0", "xffffffff9a0cd670",
                "FFFFFFFF9A0CD670", "seq=4294967295", "comm ffff_worker"}) {
            assertSame(s, KernelAddresses.hide(s), s);
        }
    }
}
