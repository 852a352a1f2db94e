package io.huatuo.jmx.bpf;

import java.util.List;

/**
 * What the Java side of a BPF object was generated against (bpf/btf2java.py, at build time): the
 * object's name and the layout of every struct its decoders read. {@link #check} compares them with
 * the loaded object's BTF, so a jar whose classes and objects do not belong together stops the probe
 * with a clear reason instead of misreading records.
 *
 * @param object  the object's resource name ({@code META-INF/huatuo/bpf/<object>.bpf.o})
 * @param layouts the generated layouts
 */
public record BpfContract(String object, List<StructLayout> layouts) {

    public BpfContract {
        layouts = List.copyOf(layouts);
    }

    /** @throws BpfException naming the struct and member that differ from the generated layout */
    public void check(BpfObject obj) {
        for (StructLayout generated : layouts) {
            obj.structLayout(generated.name()).requireSame(generated);
        }
    }
}
