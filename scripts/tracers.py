"""The registry's tracers for the generators (zabbix-templates/generate.py, nagios/generate.py), read
from target/tracers.tsv, which the build writes from io.huatuo.jmx.registry.TracerRegistry."""
import os
import sys

TSV = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'target', 'tracers.tsv'))


def severities():
    """[(tracer, severity)] in the registry's order; severity is WARNING, AVERAGE or HIGH."""
    try:
        with open(TSV) as f:
            rows = [tuple(l.split()) for l in f if l.strip() and not l.startswith('#')]
    except FileNotFoundError:
        sys.exit('%s is missing: build first (./dev.sh build, or mvn process-classes); it lists the tracers' % TSV)
    for r in rows:
        if len(r) != 2 or r[1] not in ('WARNING', 'AVERAGE', 'HIGH'):
            sys.exit('%s: bad line %r' % (TSV, '\t'.join(r)))
    return rows
