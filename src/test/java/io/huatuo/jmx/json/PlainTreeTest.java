package io.huatuo.jmx.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlainTreeTest {
    private static final JsonFactory JSON = new JsonFactory();
    private static final YAMLFactory YAML = YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private static Object json(String text) throws IOException {
        try (JsonParser p = JSON.createParser(text)) {
            return PlainTree.read(p);
        }
    }

    private static Object yaml(String text) throws IOException {
        try (JsonParser p = YAML.createParser(text)) {
            return PlainTree.read(p);
        }
    }

    @Test
    void readsJsonIntoPlainValuesInDocumentOrder() throws IOException {
        Object tree = json("{\"z\":1,\"a\":[true,false,null,\"s\"],\"big\":18446744073709551615,\"f\":0.1,\"o\":{}}");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("z", 1);
        expected.put("a", Arrays.asList(true, false, null, "s"));
        expected.put("big", new BigInteger("18446744073709551615"));
        expected.put("f", new BigDecimal("0.1")); // exact, not the double nearest to 0.1
        expected.put("o", Map.of());
        assertEquals(expected, tree);
        assertEquals(List.of("z", "a", "big", "f", "o"), List.copyOf(((Map<?, ?>) tree).keySet()));
    }

    @Test
    void readsYamlScalarsWithTheirTypes() throws IOException {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("port", 9875);
        expected.put("on", true);
        expected.put("name", "9875"); // quoted: a string
        expected.put("none", null);
        expected.put("list", List.of("a", "b"));
        assertEquals(expected, yaml("port: 9875\non: true\nname: \"9875\"\nnone: ~\nlist: [a, b]\n"));
    }

    @Test
    void anEmptyDocumentIsAbsentNotNull() throws IOException {
        assertSame(PlainTree.Absent.INSTANCE, yaml("# only a comment\n"));
        assertSame(PlainTree.Absent.INSTANCE, json(""));
        assertEquals(null, json("null"));
    }

    @Test
    void aKeyGivenTwiceIsRefusedWhenTheParserChecks() {
        JsonParseException e = assertThrows(JsonParseException.class, () -> yaml("a: 1\nb: 2\na: 3\n"));
        assertEquals(true, e.getOriginalMessage().contains("Duplicate field 'a'"), e.getOriginalMessage());
    }

    @Test
    void writesCompactJsonWithStringsEscaped() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("q\"uote", "line\nbreak\t\u0001\\");
        m.put("n", List.of(1, new BigDecimal("2.50"), new BigInteger("18446744073709551615")));
        m.put("b", false);
        m.put("nil", null);
        assertEquals("{\"q\\\"uote\":\"line\\nbreak\\t\\u0001\\\\\",\"n\":[1,2.50,18446744073709551615],\"b\":false,\"nil\":null}",
                PlainTree.toJson(m));
    }

    @Test
    void itsJsonReadsBackToTheSameTree() throws IOException {
        Object tree = json("{\"a\":[1,{\"b\":\"\\u00e9\\u2028\"}],\"c\":-0.5e-3}");
        assertEquals(tree, json(PlainTree.toJson(tree)));
    }
}
