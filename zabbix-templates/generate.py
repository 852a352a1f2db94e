#!/usr/bin/python3
"""Writes huatuo-jmx_by_jmx.yaml (Zabbix 6.0 export format). UUIDs are derived from names, so they stay
stable across runs. Usage: python3 zabbix-templates/generate.py > zabbix-templates/huatuo-jmx_by_jmx.yaml
(needs python3-yaml). Per-tracer items (like the dropwatch ones) go into the items list below."""
import hashlib, re, sys

import yaml
T = 'huatuo-jmx by JMX'
def uid(*parts):
    h = bytearray(hashlib.md5(("huatuo-jmx/" + "/".join(parts)).encode()).digest())
    h[6] = (h[6] & 0x0f) | 0x40; h[8] = (h[8] & 0x3f) | 0x80
    return h.hex()
EP = 'service:jmx:rmi:///jndi/rmi://{HOST.CONN}:{HOST.PORT}/jmxrmi'
def jmx(name, key, vt='UNSIGNED', delay='1m', units=None, desc=None, prep=None, vm=None, tags=None, history='7d', trends=None, uuidkey=None):
    d = {'uuid': uid('item', uuidkey or key), 'name': name, 'type': 'JMX', 'key': key, 'delay': delay, 'history': history}
    if vt == 'CHAR' or vt == 'TEXT':
        d['trends'] = '0'
    d['value_type'] = vt
    if units: d['units'] = units
    d['username'] = '{$HUATUO.JMX.USER}'
    d['password'] = '{$HUATUO.JMX.PASSWORD}'
    if desc: d['description'] = desc
    if vm: d['valuemap'] = {'name': vm}
    if prep: d['preprocessing'] = prep
    d['jmx_endpoint'] = EP
    d['tags'] = tags or [{'tag': 'component', 'value': 'huatuo'}]
    return d
def tr_key(k): return 'jmx["huatuo:type=Tracer,name={#JMXNAME}",%s]' % k
def dw_key(k): return 'jmx["huatuo:type=Tracer,name=dropwatch",%s]' % k
DISC = 'jmx["huatuo:type=Daemon",%s]'
bool_prep = [{'type': 'BOOL_TO_DECIMAL', 'parameters': ['']}]
ms_to_s = [{'type': 'MULTIPLIER', 'parameters': ['0.001']}]
items = [
    jmx('huatuo-jmx: version', DISC % 'Version', vt='CHAR', delay='1h', desc='Daemon version', history='30d'),
    jmx('huatuo-jmx: uptime', DISC % 'Uptime', units='s', prep=ms_to_s, vt='FLOAT', desc='Seconds since the daemon started'),
    jmx('huatuo-jmx: BPF available', DISC % 'BpfAvailable', prep=bool_prep, vm='huatuo yes/no', delay='10m',
        desc='BPF programs can be loaded and attached on this kernel'),
    jmx('huatuo-jmx: events handled', DISC % 'EventsHandled', desc='Events reported by all tracers since start'),
    jmx('huatuo-jmx: events lost', DISC % 'EventsLost', desc='Events lost by all tracers (ring or daemon queue full)'),
    jmx('huatuo-jmx: events queued', DISC % 'EventsQueued', desc='Events waiting for enrichment now'),
    jmx('huatuo-jmx: output errors', DISC % 'OutputErrors', desc='Enrichment or output failures since start'),
    jmx('huatuo-jmx: record write errors', DISC % 'RecordWriteErrors', desc='Record entries that could not be written'),
    jmx('huatuo-jmx: notifications dropped', DISC % 'NotificationsDropped', desc='Notifications not delivered because listeners fell behind'),
    # dropwatch (the per-tracer items of tracers that exist; LastEvent.* needs one event first)
    jmx('dropwatch: drops NO_SOCKET', dw_key('DropsByReason.NO_SOCKET'), desc='TCP packets dropped with no socket (SYN to a closed port, RST storms)',
        prep=[{'type': 'CHANGE_PER_SECOND', 'parameters': ['']}], vt='FLOAT', units='pps'),
    jmx('dropwatch: drops NETFILTER_DROP', dw_key('DropsByReason.NETFILTER_DROP'), desc='TCP packets dropped by netfilter rules',
        prep=[{'type': 'CHANGE_PER_SECOND', 'parameters': ['']}], vt='FLOAT', units='pps'),
    jmx('dropwatch: last drop reason', dw_key('LastEvent.reason'), vt='CHAR', desc='Kernel drop reason of the newest drop'),
    jmx('dropwatch: last drop type', dw_key('LastEvent.type'), vt='CHAR', desc='common_drop, netfilter_drop, no_socket, tcp_drop, socket_overflow or queue_drop'),
    jmx('dropwatch: last drop source', dw_key('LastEvent.saddr'), vt='CHAR', desc='Source address of the newest drop'),
    jmx('dropwatch: last drop destination', dw_key('LastEvent.daddr'), vt='CHAR', desc='Destination address of the newest drop'),
    jmx('dropwatch: last drop destination port', dw_key('LastEvent.dport'), desc='Destination port of the newest drop'),
    jmx('dropwatch: last drop TCP state', dw_key('LastEvent.state'), vt='CHAR', desc='TCP state of the socket, empty without one'),
    jmx('dropwatch: last drop stack', dw_key('LastEvent.stack'), vt='TEXT', desc='Kernel stack of the newest drop'),
    # oom and memreclaim: their extra attributes (always readable)
    jmx('oom: host OOM kills', 'jmx["huatuo:type=Tracer,name=oom",HostOomCount]', desc='Reported OOM kills whose victim was a host process'),
    jmx('oom: container OOM kills', 'jmx["huatuo:type=Tracer,name=oom",ContainerOomCount]', desc='Reported OOM kills whose victim was in a container'),
    jmx('memreclaim: threshold', 'jmx["huatuo:type=Tracer,name=memreclaim",ThresholdMillis]', units='s', prep=ms_to_s, vt='FLOAT', delay='1h',
        desc='A task spending more than this in reclaim within the window is reported'),
    jmx('memreclaim: window', 'jmx["huatuo:type=Tracer,name=memreclaim",WindowMillis]', units='s', prep=ms_to_s, vt='FLOAT', delay='1h',
        desc='The window reclaim time is summed over'),
]
for it in items:
    m = re.match(r'jmx\["huatuo:type=Tracer,name=(\w+)"', it['key'])
    if m:
        it['tags'] = [{'tag': 'component', 'value': 'huatuo'}, {'tag': 'tracer', 'value': m.group(1)}]
tags = [{'tag': 'component', 'value': 'huatuo'}, {'tag': 'tracer', 'value': '{#JMXNAME}'}]
protos = [
    jmx('{#JMXNAME}: events', tr_key('EventCount'), desc='Events reported since start', tags=tags),
    jmx('{#JMXNAME}: new events per second', tr_key('OccurrenceCount'), vt='FLOAT', units='eps',
        prep=[{'type': 'CHANGE_PER_SECOND', 'parameters': ['']}], desc='Occurrences the kernel side saw per second, rate-limited ones included', tags=tags),
    jmx('{#JMXNAME}: lost events', tr_key('LostEvents'), desc='Records that could not be handed over (ring or daemon queue full)', tags=tags),
    jmx('{#JMXNAME}: rate-limited events', tr_key('RateLimitedEvents'), desc='Event details suppressed by MaxEventsPerSecond', tags=tags),
    jmx('{#JMXNAME}: state', tr_key('State'), vt='CHAR', delay='5m', desc='RUNNING, DISABLED, UNAVAILABLE or FAILED', tags=tags),
    jmx('{#JMXNAME}: probe', tr_key('Probe'), vt='CHAR', delay='1h', desc='The hook in use, or why none works on this kernel', tags=tags),
    jmx('{#JMXNAME}: enabled', tr_key('Enabled'), prep=bool_prep, vm='huatuo yes/no', delay='5m', desc='Tracer switched on', tags=tags),
    jmx('{#JMXNAME}: max events per second', tr_key('MaxEventsPerSecond'), delay='1h', desc='Detail rate limit', tags=tags),
    jmx('{#JMXNAME}: last event time', tr_key('LastEventTime'), units='unixtime', prep=ms_to_s, vt='FLOAT',
        desc='Time of the newest event, 0 if none', tags=tags),
]
for p in protos:
    p['uuid'] = uid('proto', p['key'])
def tkey(k): return '/%s/%s' % (T, tr_key(k))
trig_protos = [
    {'uuid': uid('trigger', 'new'), 'expression': 'change(%s)>0' % tkey('EventCount'),
     'name': 'huatuo {#JMXNAME}: new events', 'opdata': '{ITEM.LASTVALUE1} events since start',
     'priority': 'WARNING', 'manual_close': 'YES',
     'description': 'The tracer reported events since the previous poll. See the LastEvent attribute (JConsole, Jolokia) or the record file /var/lib/huatuo-jmx/record/{#JMXNAME} for the details.',
     'tags': [{'tag': 'scope', 'value': 'availability'}]},
    {'uuid': uid('trigger', 'failed'), 'expression': 'last(%s)="FAILED"' % tkey('State'),
     'name': 'huatuo {#JMXNAME}: tracer failed', 'priority': 'AVERAGE',
     'description': 'The tracer stopped working; its Probe attribute says why.'},
    {'uuid': uid('trigger', 'lost'), 'expression': 'change(%s)>0' % tkey('LostEvents'),
     'name': 'huatuo {#JMXNAME}: events lost', 'priority': 'INFO',
     'description': 'Records could not be handed over (ring buffer or daemon queue full); counts stay exact.'},
]
overrides = []
for step, (sev, names) in enumerate([('HIGH', 'oom|softlockup|hungtask'), ('AVERAGE', 'netdev|lacp|memreclaim')], 1):
    overrides.append({'name': 'severity %s' % sev.lower(), 'step': str(step), 'stop': 'YES',
        'filter': {'conditions': [{'macro': '{#JMXNAME}', 'value': '^(%s)$' % names, 'formulaid': 'A'}]},
        'operations': [{'operationobject': 'TRIGGER_PROTOTYPE', 'operator': 'LIKE', 'value': 'new events',
                        'severity': sev}]})
disc = {'uuid': uid('discovery', 'tracers'), 'name': 'huatuo tracers', 'type': 'JMX',
        'key': 'jmx.discovery[beans,"huatuo:type=Tracer,*"]', 'delay': '1h',
        'username': '{$HUATUO.JMX.USER}', 'password': '{$HUATUO.JMX.PASSWORD}',
        'description': 'One set of items per huatuo tracer MBean (huatuo:type=Tracer,name=<tracer>); new tracers appear without a template change.',
        'item_prototypes': protos, 'trigger_prototypes': trig_protos, 'jmx_endpoint': EP,
        'lifetime': '7d', 'overrides': overrides}
def skey(k): return '/%s/%s' % (T, k)
triggers = [
    {'uuid': uid('trigger', 'lost-daemon'), 'expression': 'change(%s)>0' % skey(DISC % 'EventsLost'),
     'name': 'huatuo-jmx: events lost', 'priority': 'INFO', 'description': 'Some tracer could not hand over events.'},
    {'uuid': uid('trigger', 'restart'), 'expression': 'last(%s)<600' % skey(DISC % 'Uptime'),
     'name': 'huatuo-jmx: daemon restarted', 'priority': 'INFO', 'description': 'Uptime below 10 minutes.'},
    {'uuid': uid('trigger', 'nodata'), 'expression': 'nodata(%s,5m)=1' % skey(DISC % 'Uptime'),
     'name': 'huatuo-jmx: no data for 5 minutes', 'priority': 'AVERAGE',
     'description': 'The daemon or its JMX port does not answer (check the service and {$HUATUO.JMX.USER} / {$HUATUO.JMX.PASSWORD}).'},
    {'uuid': uid('trigger', 'bpf'), 'expression': 'last(%s)=0' % skey(DISC % 'BpfAvailable'),
     'name': 'huatuo-jmx: BPF not available', 'priority': 'WARNING',
     'description': 'The kernel cannot run the BPF tracers; see the BpfUnavailableReason attribute.'},
]
tmpl = {'uuid': uid('template'), 'template': T, 'name': T,
        'description': 'huatuo-jmx kernel anomaly tracers over JMX (Zabbix Java gateway). Host interface: JMX, port 9875 (jmx.port). '
                       'Set {$HUATUO.JMX.USER} and {$HUATUO.JMX.PASSWORD} when jmx.passwordFile is configured.',
        'groups': [{'name': 'Templates/Operating systems'}],
        'items': items, 'discovery_rules': [disc],
        'tags': [{'tag': 'class', 'value': 'os'}, {'tag': 'target', 'value': 'huatuo-jmx'}],
        'macros': [{'macro': '{$HUATUO.JMX.USER}', 'description': 'JMX user (jmx.passwordFile); empty without authentication'},
                   {'macro': '{$HUATUO.JMX.PASSWORD}', 'type': 'SECRET_TEXT', 'description': 'Password of {$HUATUO.JMX.USER}'}],
        'valuemaps': [{'uuid': uid('valuemap', 'yesno'), 'name': 'huatuo yes/no',
                       'mappings': [{'value': '0', 'newvalue': 'No'}, {'value': '1', 'newvalue': 'Yes'}]}]}
doc = {'zabbix_export': {'version': '6.0', 'date': '2026-11-24T00:00:00Z',
       'groups': [{'uuid': uid('group', 'Templates/Operating systems'), 'name': 'Templates/Operating systems'}],
       'templates': [tmpl], 'triggers': triggers}}
class D(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)
def strq(d, s):
    return d.represent_scalar('tag:yaml.org,2002:str', s, style="'" if any(c in s for c in ':{}[]#,"&*!|>%@`') or s in ('YES','NO','0') or s.isdigit() else None)
D.add_representer(str, strq)
D.ignore_aliases = lambda self, data: True
sys.stdout.write(yaml.dump(doc, Dumper=D, sort_keys=False, allow_unicode=True, width=200))
