#!/usr/bin/python3
"""Writes the Java side of BPF objects' contract from their BTF (the idea of cilium/ebpf's bpf2go).

  btf2java.py --out DIR --package PKG [--shared CLASS] OBJ.bpf.o...

For each object NAME.bpf.o, class PKG.NAME.<Name>Bpf gets:
  - OBJECT, the object's resource name;
  - Programs, Maps, Globals: the names of its programs (BTF FUNCs of global linkage), maps (.maps) and
    global variables (.data, .rodata, .bss; not static ones, nor the *_layout anchors that only keep a
    type in BTF);
  - the enumerators of its enums, as int constants (NAME_ prefix dropped): how the C headers' constants
    reach Java;
  - one nested class per struct the object shares with user space (a map's key or value, the type of a
    global, and the structs those contain): SIZE, <MEMBER>_OFFSET, <ARRAY>_LENGTH, a typed reader per
    member ((ByteBuffer b, int at) -> value of the record at b[at]) and LAYOUT, which
    io.huatuo.jmx.bpf.BpfContract compares with the loaded object's BTF at start;
  - CONTRACT: the object's name and every layout above.
With --shared CLASS, the maps and globals every object has and the structs and enums two or more objects
have go into PKG.CLASS instead, once; the build fails if two objects disagree on a shared struct.
Needs bpftool (btf dump ... -j)."""
import argparse
import json
import os
import re
import subprocess
import sys

JAVA_KEYWORDS = set("""abstract assert boolean break byte case catch char class const continue default do double
else enum extends final finally float for goto if implements import instanceof int interface long native new
package private protected public return short static strictfp super switch synchronized this throw throws
transient try void volatile while true false null record var yield""".split())
MODIFIERS = ('TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT', 'TYPE_TAG')


def fail(msg):
    sys.exit('btf2java: ' + msg)


def camel(name, upper_first=True):
    parts = [p for p in name.split('_') if p]
    s = ''.join(p[:1].upper() + p[1:] for p in parts)
    s = s if upper_first else s[:1].lower() + s[1:]
    return s + '_' if s in JAVA_KEYWORDS else s


def const(name):
    return re.sub(r'[^A-Z0-9_]', '_', name.upper())


class Btf:
    def __init__(self, path):
        try:
            out = subprocess.run(['bpftool', 'btf', 'dump', 'file', path, '-j'], check=True, capture_output=True,
                                 text=True).stdout
        except FileNotFoundError:
            fail('bpftool not found: apt-get install bpftool')
        except subprocess.CalledProcessError as e:
            fail('%s: bpftool btf dump failed: %s' % (path, e.stderr.strip()))
        self.types = {t['id']: t for t in json.loads(out)['types']}
        self.path = path

    def resolve(self, tid):
        t = self.types.get(tid)
        while t is not None and t['kind'] in MODIFIERS:
            t = self.types.get(t['type_id'])
        return t

    def size(self, t):
        if t['kind'] in ('INT', 'ENUM', 'ENUM64', 'STRUCT', 'UNION'):
            return t['size']
        if t['kind'] == 'PTR':
            return 8
        if t['kind'] == 'ARRAY':
            return t['nr_elems'] * self.size(self.resolve(t['type_id']))
        fail('%s: no size for BTF kind %s' % (self.path, t['kind']))

    def named(self, kind):
        return [t for t in self.types.values() if t['kind'] == kind and t.get('name') not in (None, '(anon)')]

    def datasec_vars(self, section):
        for sec in self.types.values():
            if sec['kind'] == 'DATASEC' and sec['name'] == section:
                for v in sec['vars']:
                    yield self.types[v['type_id']]


class Struct:
    """A struct flattened like io.huatuo.jmx.bpf.StructLayout: anonymous members' members are its own."""

    def __init__(self, btf, t):
        self.name, self.size, self.members = t['name'], t['size'], []
        self._flatten(btf, t, 0)

    def _flatten(self, btf, t, base):
        for m in t['members']:
            if m.get('bitfield_size'):
                fail('%s: struct %s member %s is a bitfield: not supported' % (btf.path, self.name, m['name']))
            if m['bits_offset'] % 8:
                fail('%s: struct %s member %s is not byte aligned' % (btf.path, self.name, m['name']))
            mt = btf.resolve(m['type_id'])
            off = base + m['bits_offset'] // 8
            if m['name'] in (None, '', '(anon)') and mt['kind'] in ('STRUCT', 'UNION'):
                self._flatten(btf, mt, off)
            else:
                self.members.append((m['name'], off, btf.size(mt), mt))

    def shape(self):
        return (self.name, self.size, tuple((n, o, s) for n, o, s, _ in self.members))


def reachable(btf):
    """Structs and enums user space sees: maps' keys and values, globals' types, and what those contain."""
    roots = []
    for var in btf.datasec_vars('.maps'):
        for m in btf.resolve(var['type_id'])['members']:
            if m['name'] in ('key', 'value'):
                p = btf.resolve(m['type_id'])
                roots.append(p['type_id'] if p['kind'] == 'PTR' else m['type_id'])
    for section in ('.data', '.rodata', '.bss'):
        roots += [v['type_id'] for v in btf.datasec_vars(section)]
    seen, out, todo = set(), [], list(roots)
    while todo:
        t = btf.resolve(todo.pop())
        if t is None or t['id'] in seen:
            continue
        seen.add(t['id'])
        if t['kind'] in ('PTR', 'ARRAY'):
            todo.append(t['type_id'])
        elif t['kind'] in ('STRUCT', 'UNION'):
            if t.get('name') not in (None, '(anon)'):
                out.append(t)
            todo += [m['type_id'] for m in t['members']]
        elif t['kind'] in ('ENUM', 'ENUM64') and t.get('name') not in (None, '(anon)'):
            out.append(t)
    return out


def scalar_read(t, at):
    """Java type and expression reading the scalar t at byte expression at (b is the ByteBuffer)."""
    kind, size = t['kind'], (8 if t['kind'] == 'PTR' else t['size'])
    signed = kind in ('ENUM', 'ENUM64') or t.get('encoding') == 'SIGNED'
    if kind == 'INT' and t.get('encoding') == 'BOOL':
        return 'boolean', 'b.get(%s) != 0' % at
    if size == 1:
        return 'int', ('b.get(%s)' if signed else 'b.get(%s) & 0xff') % at
    if size == 2:
        return 'int', ('b.getShort(%s)' if signed else 'b.getShort(%s) & 0xffff') % at
    if size == 4:
        return 'int', 'b.getInt(%s)' % at
    if size == 8:
        return 'long', 'b.getLong(%s)' % at
    return None, None


def is_char(t):
    return t['kind'] == 'INT' and t['size'] == 1 and t['name'] == 'char'


def struct_class(btf, s):
    cls = camel(s.name)
    lines = ['    /** {@code struct %s} (%d bytes), as the object\'s BTF lays it out. */' % (s.name, s.size),
             '    public static final class %s {' % cls,
             '        public static final String NAME = "%s";' % s.name,
             '        public static final int SIZE = %d;' % s.size]
    for n, off, size, t in s.members:
        lines.append('        public static final int %s_OFFSET = %d;' % (const(n), off))
        if t['kind'] == 'ARRAY':
            lines.append('        public static final int %s_LENGTH = %d;' % (const(n), t['nr_elems']))
    members = ',\n'.join('                new StructLayout.Member("%s", %d, %d)' % (n, o, sz) for n, o, sz, _ in s.members)
    lines += ['        /** The layout the readers below were generated from. */',
              '        public static final StructLayout LAYOUT = StructLayout.of(NAME, SIZE, List.of(\n%s));' % members,
              '', '        private %s() {' % cls, '        }']
    for n, off, size, t in s.members:
        m = camel(n, False)
        at = 'at + %s_OFFSET' % const(n)
        if t['kind'] == 'ARRAY':
            e = btf.resolve(t['type_id'])
            stride = btf.size(e)
            idx = 'at + %s_OFFSET + Objects.checkIndex(i, %s_LENGTH) * %d' % (const(n), const(n), stride)
            if is_char(e):
                lines += ['', '        /** {@code %s}: the NUL-terminated string in its %d bytes. */' % (n, size),
                          '        public static String %s(ByteBuffer b, int at) {' % m,
                          '            return RecordFields.cString(b, %s, %d);' % (at, size), '        }']
            elif e['kind'] == 'ARRAY' and is_char(btf.resolve(e['type_id'])):
                lines += ['', '        /** {@code %s[i]}: the NUL-terminated string in its %d bytes. */' % (n, stride),
                          '        public static String %s(ByteBuffer b, int at, int i) {' % m,
                          '            return RecordFields.cString(b, %s, %d);' % (idx, stride), '        }']
            else:
                jt, expr = scalar_read(e, '%s') if e['kind'] in ('INT', 'ENUM', 'ENUM64', 'PTR') else (None, None)
                if jt is None:
                    continue  # an array of structs: the offset and length constants say where
                lines += ['', '        /** {@code %s[i]}. */' % n,
                          '        public static %s %s(ByteBuffer b, int at, int i) {' % (jt, m),
                          '            return %s;' % (expr % idx), '        }']
                if jt == 'long':
                    lines += ['', '        /** The first {@code n} elements of {@code %s} (n is clamped to 0..%d). */'
                              % (n, t['nr_elems']),
                              '        public static long[] %sFirst(ByteBuffer b, int at, int n) {' % m,
                              '            long[] v = new long[Math.max(0, Math.min(n, %s_LENGTH))];' % const(n),
                              '            for (int i = 0; i < v.length; i++) {',
                              '                v[i] = b.getLong(%s + i * 8);' % at,
                              '            }', '            return v;', '        }']
        elif t['kind'] in ('INT', 'ENUM', 'ENUM64', 'PTR'):
            jt, expr = scalar_read(t, at)
            if jt is None:
                continue
            lines += ['', '        /** {@code %s} (%d bytes%s). */' % (n, size, ', ' + t['name'] if t.get('name') not in (None, '(anon)') else ''),
                      '        public static %s %s(ByteBuffer b, int at) {' % (jt, m),
                      '            return %s;' % expr, '        }']
        # a nested struct or union member: its _OFFSET, and the nested struct's own class
    lines.append('    }')
    return cls, lines


def names_class(title, what, names):
    lines = ['    /** The object\'s %s. */' % what, '    public static final class %s {' % title]
    lines += ['        public static final String %s = "%s";' % (const(n), n) for n in names]
    lines += ['', '        private %s() {' % title, '        }', '    }']
    return lines


def enum_constants(t, prefix):
    lines = []
    for v in t.get('values', []):
        n = v['name']
        if prefix and n.startswith(prefix):
            n = n[len(prefix):]
        val = v['val']
        jt = 'int' if -2**31 <= val < 2**31 else 'long'
        lines.append('    /** {@code %s} (enum %s). */' % (v['name'], t['name']))
        lines.append('    public static final %s %s = %d%s;' % (jt, const(n), val, '' if jt == 'int' else 'L'))
    return lines


def write_class(out_dir, package, cls, doc, body, extra_imports=()):
    imports = set(extra_imports)
    text = '\n'.join(body)
    if 'ByteBuffer' in text:
        imports.add('java.nio.ByteBuffer')
    if 'StructLayout' in text:
        imports |= {'io.huatuo.jmx.bpf.StructLayout', 'java.util.List'}
    if 'BpfContract' in text:
        imports |= {'io.huatuo.jmx.bpf.BpfContract', 'java.util.List'}
    if 'Objects.' in text:
        imports.add('java.util.Objects')
    if 'RecordFields.' in text:
        imports.add('io.huatuo.jmx.tracer.RecordFields')
    imports = {i for i in imports if i.rsplit('.', 1)[0] != package}
    d = os.path.join(out_dir, *package.split('.'))
    os.makedirs(d, exist_ok=True)
    src = ['package %s;' % package, ''] + ['import %s;' % i for i in sorted(imports)] + (['' ] if imports else [])
    src += ['/**', ' * %s' % doc, ' * Generated at build time by bpf/btf2java.py: do not edit.', ' */',
            '@SuppressWarnings("unused")', 'public final class %s {' % cls]
    src += body + ['', '    private %s() {' % cls, '    }', '}', '']
    with open(os.path.join(d, cls + '.java'), 'w') as f:
        f.write('\n'.join(src))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', required=True)
    ap.add_argument('--package', required=True)
    ap.add_argument('--shared')
    ap.add_argument('objects', nargs='+')
    a = ap.parse_args()

    objs = []
    for path in a.objects:
        name = os.path.basename(path)
        if not name.endswith('.bpf.o'):
            fail('%s: expected <name>.bpf.o' % path)
        btf = Btf(path)
        progs = sorted(t['name'] for t in btf.named('FUNC') if t.get('linkage') == 'global')
        maps = [v['name'] for v in btf.datasec_vars('.maps')]
        globs = [v['name'] for s in ('.data', '.rodata', '.bss') for v in btf.datasec_vars(s)
                 if v.get('linkage') == 'global' and not v['name'].endswith('_layout')]
        objs.append(dict(name=name[:-len('.bpf.o')], btf=btf, progs=progs, maps=maps, globals=globs,
                         types=reachable(btf)))

    # shared: what two or more objects have (with --shared); a struct so named must be laid out alike in all
    seen_in = {}
    for o in objs:
        for t in o['types']:
            seen_in.setdefault(t['name'], set()).add(o['name'])

    def own(o, type_name):
        return not a.shared or len(objs) == 1 or len(seen_in[type_name]) == 1

    multi = a.shared and len(objs) > 1
    shared_maps = set.intersection(*(set(o['maps']) for o in objs)) if multi else set()
    shared_globals = set.intersection(*(set(o['globals']) for o in objs)) if multi else set()
    shared_structs, shared_enums = {}, {}
    for o in objs:
        for t in o['types']:
            if own(o, t['name']):
                continue
            if t['kind'] in ('STRUCT', 'UNION'):
                s = Struct(o['btf'], t)
                prev = shared_structs.setdefault(s.name, (s, o['name']))
                if prev[0].shape() != s.shape():
                    fail('struct %s differs between %s and %s: %s vs %s' % (s.name, prev[1], o['name'],
                                                                            prev[0].shape(), s.shape()))
            else:
                shared_enums[t['name']] = t

    for o in objs:
        cls = camel(o['name']) + 'Bpf'
        pkg = '%s.%s' % (a.package, o['name'])
        body = ['    /** The object\'s resource name: META-INF/huatuo/bpf/%s.bpf.o. */' % o['name'],
                '    public static final String OBJECT = "%s";' % o['name'], '']
        for t in sorted((t for t in o['types'] if t['kind'].startswith('ENUM') and own(o, t['name'])),
                        key=lambda t: t['name']):
            body += enum_constants(t, o['name'].upper() + '_') + ['']
        body += names_class('Programs', 'programs', o['progs']) + ['']
        body += names_class('Maps', 'maps', [m for m in o['maps'] if m not in shared_maps]) + ['']
        body += names_class('Globals', 'global variables', [g for g in o['globals'] if g not in shared_globals])
        layouts, imports = [], set()
        for t in sorted((t for t in o['types'] if t['kind'] in ('STRUCT', 'UNION')), key=lambda t: t['name']):
            if own(o, t['name']):
                c, lines = struct_class(o['btf'], Struct(o['btf'], t))
                body += [''] + lines
                layouts.append('%s.LAYOUT' % c)
            else:
                layouts.append('%s.%s.LAYOUT' % (a.shared, camel(t['name'])))
                imports.add('%s.%s' % (a.package, a.shared))
        body += ['', '    /** The object and every layout its Java side reads, checked against the loaded object. */',
                 '    public static final BpfContract CONTRACT = new BpfContract(OBJECT, List.of(%s));'
                 % ', '.join(layouts)]
        write_class(a.out, pkg, cls, 'The Java side of {@code bpf/%s.bpf.c}, from its BTF.' % o['name'], body,
                    imports)

    if multi:
        body = []
        for name in sorted(shared_enums):
            body += enum_constants(shared_enums[name], '') + ['']
        body += names_class('Maps', 'maps every object has (bpf/include/huatuo.h)',
                            [m for m in objs[0]['maps'] if m in shared_maps]) + ['']
        body += names_class('Globals', 'global variables every object has (bpf/include/huatuo.h)',
                            [g for g in objs[0]['globals'] if g in shared_globals])
        for name in sorted(shared_structs):
            s, first = shared_structs[name]
            btf = next(o['btf'] for o in objs if o['name'] == first)
            body += [''] + struct_class(btf, s)[1]
        write_class(a.out, a.package, a.shared, 'What every BPF object of bpf/ shares with Java (bpf/include/), from '
                    'their BTF.', body)


if __name__ == '__main__':
    main()
