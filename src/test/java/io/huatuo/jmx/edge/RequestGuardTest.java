package io.huatuo.jmx.edge;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which Host headers and browser origins the HTTP endpoints accept (DNS rebinding, CORS). */
class RequestGuardTest {
    private final RequestGuard guard = new RequestGuard("jolokia", Set.of("mon.example.com", "web01"), 1024, 10);

    @Test
    void wholeNumbersAreRecognizedWithoutExpandingTheirExponent() {
        for (String whole : List.of("1.0", "42", "4.2e1", "1e18", "9223372036854775807.000", "-9223372036854775808",
                "0e-99999999", "1000e-3")) {
            assertTrue(RequestGuard.isWholeLong(new java.math.BigDecimal(whole)), whole);
        }
        // 1e99999999 as a BigInteger would take minutes and gigabytes: refused as it is written
        for (String not : List.of("1.5", "0.1", "1e-1", "9223372036854775808", "1e19", "1e99999999", "-1e99999999",
                "1.5e99999999")) {
            assertFalse(RequestGuard.isWholeLong(new java.math.BigDecimal(not)), not);
        }
    }

    @Test
    void hostHeadersThatARebindingPageCannotSendAreAccepted() {
        for (String h : List.of("127.0.0.1:8778", "127.0.0.1", "10.1.2.3:8778", "[::1]:8778", "[fe80::1]",
                "localhost:8778", "LOCALHOST", "foo.localhost:1", "mon.example.com:8778", "mon.example.com.:8778",
                "web01")) {
            assertTrue(guard.isAcceptedHost(h), h);
        }
    }

    @Test
    void otherNamesAreRefused() {
        for (String h : List.of("evil.example:8778", "evil.example", "127.0.0.1.evil.example", "localhost.evil:80",
                "web01.evil.example", "", "1.2.3:80")) {
            assertFalse(guard.isAcceptedHost(h), h);
        }
    }

    @Test
    void onlyLoopbackOriginsPassAPreflight() {
        for (String o : List.of("http://127.0.0.1:3000", "https://localhost", "http://[::1]:8080", "http://a.localhost")) {
            assertTrue(RequestGuard.isLoopbackOrigin(o), o);
        }
        for (String o : List.of("http://evil.example", "null", "http://10.0.0.5", "http://127.0.0.1.evil.example",
                "http://[fe80::1]", "file://")) {
            assertFalse(RequestGuard.isLoopbackOrigin(o), o);
        }
    }

    @Test
    void theBindAddressTheHostnameAndConfiguredNamesAreAccepted() {
        Set<String> names = RequestGuard.hostNames("Mon.Example.com", List.of("Scrape.Example"));
        assertTrue(names.containsAll(List.of("mon.example.com", "scrape.example")), names.toString());
    }
}
