package io.huatuo.jmx.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.huatuo.jmx.testing.Shell;
import io.huatuo.jmx.testing.TestDaemon;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bpf/btf2java.py on a known object (the test object shim_test.bpf.o): the generated class compiles, its
 * names are the object's, its layouts are what this project's own BTF parser reads, and its readers read
 * records laid out by that BTF.
 */
class Btf2JavaTest {
    private static final Path GENERATOR = Path.of("bpf/btf2java.py");
    private static final Path OBJECT = Path.of("target/test-classes/META-INF/huatuo/bpf/shim_test.bpf.o");
    private static Path dir;
    private static Class<?> generated;
    private static BpfObject object;

    @BeforeAll
    static void generateAndCompile() throws Exception {
        dir = Files.createTempDirectory("huatuo-btf2java");
        Shell.check("python3", GENERATOR.toString(), "--out", dir.resolve("src").toString(), "--package",
                "gen.test", OBJECT.toString());
        Path source = dir.resolve("src/gen/test/shim_test/ShimTestBpf.java");
        assertTrue(Files.isRegularFile(source), "generated " + source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, null, err, "-Xlint:all", "-Werror", "-classpath", "target/classes", "-d",
                dir.resolve("classes").toString(), source.toString());
        assertEquals(0, rc, "javac: " + err.toString(StandardCharsets.UTF_8));
        URLClassLoader loader = new URLClassLoader(new URL[] {dir.resolve("classes").toUri().toURL()},
                Btf2JavaTest.class.getClassLoader());
        generated = loader.loadClass("gen.test.shim_test.ShimTestBpf");
        object = BpfObject.openResource("shim_test");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (object != null) {
            object.close();
        }
        if (dir != null) {
            TestDaemon.deleteTree(dir);
        }
    }

    private static Map<String, Object> constants(Class<?> c) throws IllegalAccessException {
        Map<String, Object> m = new TreeMap<>();
        for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && Modifier.isPublic(f.getModifiers())) {
                m.put(f.getName(), f.get(null));
            }
        }
        return m;
    }

    private static Class<?> nested(String name) {
        return Stream.of(generated.getClasses()).filter(c -> c.getSimpleName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no nested class " + name + " in " + generated));
    }

    @Test
    void programNamesAreTheObjectsPrograms() throws Exception {
        assertEquals(new TreeSet<>(object.programs()), new TreeSet<>(constants(nested("Programs")).values()));
        assertEquals("shim_emit", constants(nested("Programs")).get("SHIM_EMIT"));
        assertEquals("shim_test", constants(generated).get("OBJECT"));
    }

    @Test
    void mapAndGlobalNamesAreTheObjectsWithoutTheLayoutAnchors() throws Exception {
        assertEquals(Map.of("EVENTS", "events", "COUNTERS", "counters"), constants(nested("Maps")));
        Map<String, Object> globals = constants(nested("Globals"));
        assertEquals(new TreeSet<>(List.of("knob", "burst", "bss_value", "exec_parent_tgid", "emitted_total")),
                new TreeSet<>(globals.values()));
        for (Object g : globals.values()) {
            assertTrue(object.getGlobal((String) g).length > 0, "readable global " + g);
        }
    }

    @Test
    void enumeratorsBecomeConstants() throws Exception {
        Map<String, Object> c = constants(generated);
        assertEquals(1, c.get("SHIM_EVENT_TEST_RUN"));
        assertEquals(2, c.get("SHIM_EVENT_EXEC_BTF"));
        assertEquals(3, c.get("SHIM_EVENT_EXEC_TP"));
    }

    @Test
    void layoutsAreWhatTheObjectsBtfSaysAndTheContractHoldsThem() throws Exception {
        for (String struct : List.of("ShimEvent", "ShimCounters")) {
            StructLayout gen = (StructLayout) constants(nested(struct)).get("LAYOUT");
            StructLayout btf = object.structLayout(gen.name());
            btf.requireSame(gen);
            assertEquals(btf.members(), gen.members());
            assertEquals(btf.size(), constants(nested(struct)).get("SIZE"));
            for (StructLayout.Member m : btf.members()) {
                assertEquals(m.offset(), constants(nested(struct)).get(m.name().toUpperCase() + "_OFFSET"), m.name());
            }
        }
        BpfContract contract = (BpfContract) constants(generated).get("CONTRACT");
        assertEquals("shim_test", contract.object());
        assertEquals(2, contract.layouts().size());
        contract.check(object);
    }

    @Test
    void aDifferentLayoutIsRefusedNamingTheMember() {
        StructLayout btf = object.structLayout("shim_event");
        List<StructLayout.Member> moved = new ArrayList<>(btf.members());
        StructLayout.Member pid = btf.member("pid");
        moved.set(moved.indexOf(pid), new StructLayout.Member("pid", pid.offset() + 4, 4));
        BpfException e = assertThrows(BpfException.class,
                () -> btf.requireSame(StructLayout.of("shim_event", btf.size(), moved)));
        assertTrue(e.getMessage().contains("member pid is at offset " + pid.offset()), e.getMessage());
        e = assertThrows(BpfException.class,
                () -> btf.requireSame(StructLayout.of("shim_event", btf.size() + 8, btf.members())));
        assertTrue(e.getMessage().contains("is " + btf.size() + " bytes, the Java side was generated for"), e.getMessage());
        BpfContract wrong = new BpfContract("shim_test", List.of(StructLayout.of("shim_event", btf.size(), moved)));
        assertThrows(BpfException.class, () -> wrong.check(object));
    }

    @Test
    void readersReadARecordLaidOutByTheObjectsBtf() throws Exception {
        StructLayout l = object.structLayout("shim_event");
        int at = 24; // not at the buffer's start, as in a ring batch
        ByteBuffer b = ByteBuffer.allocate(at + l.size()).order(ByteOrder.nativeOrder());
        b.putLong(at + l.offsetOf("seq"), -2L); // u64 all ones but the lowest bit
        b.putInt(at + l.offsetOf("pid"), 0xfffffff0); // a u32 above 2^31: the raw bits, unsigned by the caller
        b.put(at + l.offsetOf("comm"), "nginx\0junk".getBytes(StandardCharsets.US_ASCII));
        Class<?> event = nested("ShimEvent");
        assertEquals(-2L, event.getMethod("seq", ByteBuffer.class, int.class).invoke(null, b, at));
        assertEquals(0xfffffff0, event.getMethod("pid", ByteBuffer.class, int.class).invoke(null, b, at));
        assertEquals("nginx", event.getMethod("comm", ByteBuffer.class, int.class).invoke(null, b, at));
        assertNotEquals(0, l.size());
    }

    @Test
    void aMissingBpftoolIsAClearError() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", GENERATOR.toString(), "--out",
                dir.resolve("none").toString(), "--package", "p", OBJECT.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", "/nonexistent");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, p.waitFor());
        assertTrue(out.contains("bpftool not found: apt-get install bpftool"), out);
    }
}
