#!/usr/bin/python3
"""Writes the two Zabbix 6.0 templates (YAML export format) next to this script:
huatuo-jmx_by_jmx.yaml (JMX items, polled by the Zabbix Java gateway) and huatuo-jmx_by_http.yaml
(one HTTP-agent item doing a Jolokia bulk read, dependent items with JSONPath). Both have the same
items, discovery, triggers, severities and value maps. UUIDs are derived from names, so they stay
stable across runs. Usage: python3 zabbix-templates/generate.py [DIR] (needs python3-yaml; DIR defaults to
zabbix-templates/). The tracers and the severity of their "new events" triggers come from the
registry, through target/tracers.tsv, which the build writes (./dev.sh build). Per-tracer items
(like the dropwatch ones) go into the ITEMS list below."""
import hashlib, json, os, sys

import yaml
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
import tracers  # noqa: E402


def uid(*parts):
    h = bytearray(hashlib.md5(("huatuo-jmx/" + "/".join(parts)).encode()).digest())
    h[6] = (h[6] & 0x0f) | 0x40; h[8] = (h[8] & 0x3f) | 0x80
    return h.hex()

FAST, SLOW, LLD = '{$HUATUO.INTERVAL}', '{$HUATUO.INTERVAL.SLOW}', '{$HUATUO.LLD.INTERVAL}'
bool_prep = [{'type': 'BOOL_TO_DECIMAL', 'parameters': ['']}]
ms_to_s = [{'type': 'MULTIPLIER', 'parameters': ['0.001']}]
per_s = [{'type': 'CHANGE_PER_SECOND', 'parameters': ['']}]
DAEMON = 'Daemon'
PROTO = None  # the discovered tracer
def item(name, src, attr, vt='UNSIGNED', delay=FAST, units=None, desc=None, prep=None, vm=None, history='7d'):
    return dict(name=name, src=src, attr=attr, vt=vt, delay=delay, units=units, desc=desc, prep=prep, vm=vm, history=history)

ITEMS = [
    item('huatuo-jmx: version', DAEMON, 'Version', vt='CHAR', delay=SLOW, desc='Daemon version', history='30d'),
    item('huatuo-jmx: uptime', DAEMON, 'Uptime', units='s', prep=ms_to_s, vt='FLOAT', desc='Seconds since the daemon started'),
    item('huatuo-jmx: BPF available', DAEMON, 'BpfAvailable', prep=bool_prep, vm='huatuo yes/no', delay=SLOW,
         desc='BPF programs can be loaded and attached on this kernel'),
    item('huatuo-jmx: events handled', DAEMON, 'EventsHandled', desc='Events reported by all tracers since start'),
    item('huatuo-jmx: events lost', DAEMON, 'EventsLost', desc='Events lost by all tracers (ring or daemon queue full)'),
    item('huatuo-jmx: events queued', DAEMON, 'EventsQueued', desc='Events waiting for enrichment now'),
    item('huatuo-jmx: output errors', DAEMON, 'OutputErrors', desc='Enrichment or output failures since start'),
    item('huatuo-jmx: record write errors', DAEMON, 'RecordWriteErrors', desc='Record entries that could not be written'),
    item('huatuo-jmx: notifications dropped', DAEMON, 'NotificationsDropped', desc="Deliveries the daemon's notifier queue had no room for"),
    item('huatuo-jmx: notifications lost', DAEMON, 'NotificationsLost', desc='Notifications a subscribed client did not get, once per client (slow or stopped clients)'),
    item('huatuo-jmx: authentication failures', DAEMON, 'AuthenticationFailures', desc='Wrong user names or passwords on any endpoint (each is logged with its address)'),
    # dropwatch (the per-tracer items of tracers that exist; LastEvent.* needs one event first)
    item('dropwatch: drops NO_SOCKET', 'dropwatch', 'DropsByReason.NO_SOCKET', desc='TCP packets dropped with no socket (SYN to a closed port, RST storms)',
         prep=per_s, vt='FLOAT', units='pps'),
    item('dropwatch: drops NETFILTER_DROP', 'dropwatch', 'DropsByReason.NETFILTER_DROP', desc='TCP packets dropped by netfilter rules',
         prep=per_s, vt='FLOAT', units='pps'),
    item('dropwatch: last drop reason', 'dropwatch', 'LastEvent.reason', vt='CHAR', desc='Kernel drop reason of the newest drop'),
    item('dropwatch: last drop type', 'dropwatch', 'LastEvent.type', vt='CHAR', desc='common_drop, netfilter_drop, no_socket, tcp_drop, socket_overflow or queue_drop'),
    item('dropwatch: last drop source', 'dropwatch', 'LastEvent.saddr', vt='CHAR', desc='Source address of the newest drop'),
    item('dropwatch: last drop destination', 'dropwatch', 'LastEvent.daddr', vt='CHAR', desc='Destination address of the newest drop'),
    item('dropwatch: last drop destination port', 'dropwatch', 'LastEvent.dport', desc='Destination port of the newest drop'),
    item('dropwatch: last drop TCP state', 'dropwatch', 'LastEvent.state', vt='CHAR', desc='TCP state of the socket, empty without one'),
    item('dropwatch: last drop stack', 'dropwatch', 'LastEvent.stack', vt='TEXT', desc='Kernel stack of the newest drop'),
    # oom and memreclaim: their extra attributes (always readable)
    item('oom: host OOM kills', 'oom', 'HostOomCount', desc='Reported OOM kills whose victim was a host process'),
    item('oom: container OOM kills', 'oom', 'ContainerOomCount', desc='Reported OOM kills whose victim was in a container'),
    item('memreclaim: threshold', 'memreclaim', 'ThresholdMillis', units='s', prep=ms_to_s, vt='FLOAT', delay=SLOW,
         desc='A task spending more than this in reclaim within the window is reported'),
    item('memreclaim: window', 'memreclaim', 'WindowMillis', units='s', prep=ms_to_s, vt='FLOAT', delay=SLOW,
         desc='The window reclaim time is summed over'),
]
PROTOS = [
    item('{T}: events', PROTO, 'EventCount', desc='Events reported since start'),
    item('{T}: new events per second', PROTO, 'OccurrenceCount', vt='FLOAT', units='eps', prep=per_s,
         desc='Occurrences the kernel side saw per second, rate-limited ones included'),
    item('{T}: lost events', PROTO, 'LostEvents', desc='Records that could not be handed over (ring or daemon queue full)'),
    item('{T}: rate-limited events', PROTO, 'RateLimitedEvents', desc='Event details suppressed by MaxEventsPerSecond'),
    item('{T}: state', PROTO, 'State', vt='CHAR', desc='RUNNING, DISABLED, UNAVAILABLE or FAILED'),
    item('{T}: probe', PROTO, 'Probe', vt='CHAR', delay=SLOW, desc='The hook in use, or why none works on this kernel'),
    item('{T}: enabled', PROTO, 'Enabled', prep=bool_prep, vm='huatuo yes/no', desc='Tracer switched on'),
    item('{T}: max events per second', PROTO, 'MaxEventsPerSecond', delay=SLOW, desc='Detail rate limit'),
    item('{T}: last event time', PROTO, 'LastEventTime', units='unixtime', prep=ms_to_s, vt='FLOAT',
         desc='Time of the newest event, 0 if none'),
    item('{T}: kernel cost', PROTO, 'KernelCostNanosPerSecond', units='%', vt='FLOAT',
         prep=[{'type': 'MULTIPLIER', 'parameters': ['0.0000001']}],
         desc="CPU time the tracer's BPF programs ran in the kernel, in percent of one CPU, over the daemon's last "
              "measurement window (negative: not measured, KernelCostNote says why)"),
    item('{T}: BPF program runs per second', PROTO, 'ProgramRunsPerSecond', units='rps', vt='FLOAT',
         desc="Runs of the tracer's BPF programs per second over the last measurement window (-1: not measured)"),
]
COMMON_MACROS = [
    {'macro': FAST, 'value': '1m', 'description': 'Update interval of counters and state'},
    {'macro': SLOW, 'value': '1h', 'description': 'Update interval of configuration values (version, probe, thresholds)'},
    {'macro': LLD, 'value': '1h', 'description': 'How often tracers are discovered'},
]


class Flavour:
    """What differs between the JMX and the HTTP template: item keys, how an item gets its value."""
    def __init__(self, name, lld_macro):
        self.name, self.M = name, lld_macro

    def tracer(self, src):
        return self.M if src is PROTO else src


class Jmx(Flavour):
    EP = 'service:jmx:rmi:///jndi/rmi://{HOST.CONN}:{HOST.PORT}/jmxrmi'
    def __init__(self):
        super().__init__('huatuo-jmx by JMX', '{#JMXNAME}')

    def key(self, src, attr):
        mbean = 'huatuo:type=Daemon' if src == DAEMON else 'huatuo:type=Tracer,name=' + self.tracer(src)
        return 'jmx["%s",%s]' % (mbean, attr)

    def uuid_of(self, src, attr):  # the keys the first version derived its UUIDs from
        return uid('proto' if src is PROTO else 'item', self.key(src, attr))

    def polled(self, it):
        d = {'type': 'JMX', 'key': self.key(it['src'], it['attr']), 'delay': it['delay']}
        return d, it['prep']

    def extra(self, d):
        d['username'] = '{$HUATUO.JMX.USER}'
        d['password'] = '{$HUATUO.JMX.PASSWORD}'
        d['jmx_endpoint'] = self.EP

    def master_items(self):
        return []

    def discovery(self):
        d = {'uuid': uid('discovery', 'tracers'), 'name': 'huatuo tracers', 'type': 'JMX',
             'key': 'jmx.discovery[beans,"huatuo:type=Tracer,*"]', 'delay': LLD,
             'username': '{$HUATUO.JMX.USER}', 'password': '{$HUATUO.JMX.PASSWORD}'}
        return d, None

    description = ('huatuo-jmx kernel anomaly tracers over JMX (Zabbix Java gateway). Host interface: JMX, port 9875 (jmx.port). '
                   'Set {$HUATUO.JMX.USER} and {$HUATUO.JMX.PASSWORD} when jmx.passwordFile is configured.')
    macros = [{'macro': '{$HUATUO.JMX.USER}', 'description': 'JMX user (jmx.passwordFile); empty without authentication'},
              {'macro': '{$HUATUO.JMX.PASSWORD}', 'type': 'SECRET_TEXT', 'description': 'Password of {$HUATUO.JMX.USER}'}]


class Http(Flavour):
    MASTER = 'huatuo.jolokia.read'
    # one Jolokia bulk read: every attribute of the daemon, then of every tracer (by MBean name)
    BODY = json.dumps([{'type': 'read', 'mbean': 'huatuo:type=Daemon', 'config': {'canonicalNaming': False}},
                       {'type': 'read', 'mbean': 'huatuo:type=Tracer,*', 'config': {'canonicalNaming': False}}])
    def __init__(self):
        super().__init__('huatuo-jmx by HTTP', '{#TRACER}')

    def key(self, src, attr):
        return 'huatuo.daemon[%s]' % attr if src == DAEMON else 'huatuo.tracer[%s,%s]' % (self.tracer(src), attr)

    def uuid_of(self, src, attr):
        return uid('http', 'proto' if src is PROTO else 'item', self.key(src, attr))

    def path(self, src, attr):
        base = '$[0].value' if src == DAEMON else "$[1].value['huatuo:type=Tracer,name=%s']" % self.tracer(src)
        return base + ''.join("['%s']" % p for p in attr.split('.'))

    def polled(self, it):
        prep = [{'type': 'JSONPATH', 'parameters': [self.path(it['src'], it['attr'])]}] + (it['prep'] or [])
        if it['delay'] == SLOW:  # configuration values: stored when they change, or once per slow interval
            prep.append({'type': 'DISCARD_UNCHANGED_HEARTBEAT', 'parameters': [SLOW]})
        d = {'type': 'DEPENDENT', 'key': self.key(it['src'], it['attr']), 'delay': '0'}
        return d, prep

    def extra(self, d):
        d['master_item'] = {'key': self.MASTER}

    def master_items(self):
        return [{'uuid': uid('http', 'master'), 'name': 'huatuo-jmx: Jolokia bulk read', 'type': 'HTTP_AGENT',
                 'key': self.MASTER, 'delay': FAST, 'history': '0', 'trends': '0', 'value_type': 'TEXT',
                 'authtype': 'BASIC', 'username': '{$HUATUO.JOLOKIA.USER}', 'password': '{$HUATUO.JOLOKIA.PASSWORD}',
                 'description': 'Every attribute of huatuo:type=Daemon and of every huatuo:type=Tracer MBean in one POST; '
                                'the other items take their values from it.',
                 'timeout': '{$HUATUO.JOLOKIA.TIMEOUT}',
                 # not one URL macro: Zabbix does not expand {HOST.CONN} inside a user macro's value
                 # (6.0.14: "URL using bad/illegal format"), so the host part stays in the item
                 'url': '{$HUATUO.JOLOKIA.SCHEME}://{HOST.CONN}:{$HUATUO.JOLOKIA.PORT}{$HUATUO.JOLOKIA.PATH}',
                 'posts': self.BODY, 'post_type': 'JSON', 'request_method': 'POST',
                 'tags': [{'tag': 'component', 'value': 'huatuo'}, {'tag': 'component', 'value': 'raw'}]}]

    def discovery(self):
        # tracer names from the MBean names of the bulk read's second answer; unchanged lists are not
        # processed again before the LLD interval
        js = ("var v = JSON.parse(value)[1].value, out = [];\n"
              "for (var n in v) {\n"
              "    var m = /[:,]name=([^,]+)/.exec(n);\n"
              "    if (m) out.push({'{#TRACER}': m[1]});\n"
              "}\n"
              "return JSON.stringify(out);")
        d = {'uuid': uid('http', 'discovery', 'tracers'), 'name': 'huatuo tracers', 'type': 'DEPENDENT',
             'key': 'huatuo.tracers.discovery', 'delay': '0'}
        prep = [{'type': 'JAVASCRIPT', 'parameters': [js]},
                {'type': 'DISCARD_UNCHANGED_HEARTBEAT', 'parameters': [LLD]}]
        return d, prep

    description = ('huatuo-jmx kernel anomaly tracers over HTTP: Zabbix HTTP-agent items read the embedded Jolokia '
                   '(jolokia.*, default port 8778), no Java gateway needed. Set {$HUATUO.JOLOKIA.PORT} and, when '
                   'jolokia.user is configured, {$HUATUO.JOLOKIA.USER} and {$HUATUO.JOLOKIA.PASSWORD}.')
    macros = [{'macro': '{$HUATUO.JOLOKIA.SCHEME}', 'value': 'http', 'description': 'http, or https behind a TLS proxy'},
              {'macro': '{$HUATUO.JOLOKIA.PORT}', 'value': '8778', 'description': 'jolokia.port'},
              {'macro': '{$HUATUO.JOLOKIA.PATH}', 'value': '/jolokia/', 'description': 'Jolokia path'},
              {'macro': '{$HUATUO.JOLOKIA.USER}', 'description': 'jolokia.user; empty without authentication'},
              {'macro': '{$HUATUO.JOLOKIA.PASSWORD}', 'type': 'SECRET_TEXT', 'description': 'Password of {$HUATUO.JOLOKIA.USER} (jolokia.passwordFile)'},
              {'macro': '{$HUATUO.JOLOKIA.TIMEOUT}', 'value': '10s', 'description': 'HTTP request timeout'}]


def build_item(f, it, uuid, tags):
    base, prep = f.polled(it)
    d = {'uuid': uuid, 'name': it['name'].replace('{T}', f.M), 'type': base['type'], 'key': base['key'],
         'delay': base['delay'], 'history': it['history']}
    if it['vt'] in ('CHAR', 'TEXT'):
        d['trends'] = '0'
    d['value_type'] = it['vt']
    if it['units']: d['units'] = it['units']
    if it['desc']: d['description'] = it['desc']
    if it['vm']: d['valuemap'] = {'name': it['vm']}
    if prep: d['preprocessing'] = prep
    f.extra(d)
    d['tags'] = tags
    return d


def template(f):
    T = f.name
    items = f.master_items()
    for it in ITEMS:
        tags = [{'tag': 'component', 'value': 'huatuo'}]
        if it['src'] != DAEMON:
            tags.append({'tag': 'tracer', 'value': it['src']})
        items.append(build_item(f, it, f.uuid_of(it['src'], it['attr']), tags))
    ptags = [{'tag': 'component', 'value': 'huatuo'}, {'tag': 'tracer', 'value': f.M}]
    protos = [build_item(f, it, f.uuid_of(PROTO, it['attr']), ptags) for it in PROTOS]
    def tkey(attr): return '/%s/%s' % (T, f.key(PROTO, attr))
    def dkey(attr): return '/%s/%s' % (T, f.key(DAEMON, attr))
    sfx = '' if isinstance(f, Jmx) else 'http/'  # the JMX template keeps its first UUIDs
    trig_protos = [
        {'uuid': uid('trigger', sfx + 'new'), 'expression': 'change(%s)>0' % tkey('EventCount'),
         'name': 'huatuo %s: new events' % f.M, 'opdata': '{ITEM.LASTVALUE1} events since start',
         'priority': 'WARNING', 'manual_close': 'YES',
         'description': 'The tracer reported events since the previous poll. See the LastEvent attribute (JConsole, Jolokia) or the record file /var/lib/huatuo-jmx/record/%s for the details.' % f.M,
         'tags': [{'tag': 'scope', 'value': 'availability'}]},
        {'uuid': uid('trigger', sfx + 'failed'), 'expression': 'last(%s)="FAILED"' % tkey('State'),
         'name': 'huatuo %s: tracer failed' % f.M, 'priority': 'AVERAGE',
         'description': 'The tracer stopped working; its Probe attribute says why.'},
        {'uuid': uid('trigger', sfx + 'lost'), 'expression': 'change(%s)>0' % tkey('LostEvents'),
         'name': 'huatuo %s: events lost' % f.M, 'priority': 'INFO',
         'description': 'Records could not be handed over (ring buffer or daemon queue full); counts stay exact.'},
    ]
    overrides = []
    # "new events" is a warning unless the tracer's severity says more (TracerType.severity)
    by_severity = [(sev, '|'.join(t for t, s in tracers.severities() if s == sev)) for sev in ('HIGH', 'AVERAGE')]
    for step, (sev, names) in enumerate([(sev, names) for sev, names in by_severity if names], 1):
        overrides.append({'name': 'severity %s' % sev.lower(), 'step': str(step), 'stop': 'STOP',
            'filter': {'conditions': [{'macro': f.M, 'value': '^(%s)$' % names, 'formulaid': 'A'}]},
            'operations': [{'operationobject': 'TRIGGER_PROTOTYPE', 'operator': 'LIKE', 'value': 'new events',
                            'severity': sev}]})
    disc, dprep = f.discovery()
    disc['description'] = 'One set of items per huatuo tracer MBean (huatuo:type=Tracer,name=<tracer>); new tracers appear without a template change.'
    if dprep: disc['preprocessing'] = dprep
    disc.update({'item_prototypes': protos, 'trigger_prototypes': trig_protos})
    f.extra(disc)
    disc['lifetime'] = '7d'
    disc['overrides'] = overrides
    triggers = [
        {'uuid': uid('trigger', sfx + 'lost-daemon'), 'expression': 'change(%s)>0' % dkey('EventsLost'),
         'name': 'huatuo-jmx: events lost', 'priority': 'INFO', 'description': 'Some tracer could not hand over events.'},
        {'uuid': uid('trigger', sfx + 'restart'), 'expression': 'last(%s)<600' % dkey('Uptime'),
         'name': 'huatuo-jmx: daemon restarted', 'priority': 'INFO', 'description': 'Uptime below 10 minutes.'},
        {'uuid': uid('trigger', sfx + 'nodata'), 'expression': 'nodata(%s,5m)=1' % dkey('Uptime'),
         'name': 'huatuo-jmx: no data for 5 minutes', 'priority': 'AVERAGE',
         'description': 'The daemon or its %s does not answer (check the service and the credential macros).'
                        % ('JMX port' if isinstance(f, Jmx) else 'Jolokia port')},
        {'uuid': uid('trigger', sfx + 'bpf'), 'expression': 'last(%s)=0' % dkey('BpfAvailable'),
         'name': 'huatuo-jmx: BPF not available', 'priority': 'WARNING',
         'description': 'The kernel cannot run the BPF tracers; see the BpfUnavailableReason attribute.'},
    ]
    tmpl = {'uuid': uid('template') if isinstance(f, Jmx) else uid('http', 'template'), 'template': T, 'name': T,
            'description': f.description, 'groups': [{'name': 'Templates/Operating systems'}],
            'items': items, 'discovery_rules': [disc],
            'tags': [{'tag': 'class', 'value': 'os'}, {'tag': 'target', 'value': 'huatuo-jmx'}],
            'macros': COMMON_MACROS + f.macros,
            'valuemaps': [{'uuid': uid('valuemap', 'yesno') if isinstance(f, Jmx) else uid('http', 'valuemap', 'yesno'),
                           'name': 'huatuo yes/no',
                           'mappings': [{'value': '0', 'newvalue': 'No'}, {'value': '1', 'newvalue': 'Yes'}]}]}
    return {'zabbix_export': {'version': '6.0', 'date': '2026-11-24T00:00:00Z',
            'groups': [{'uuid': uid('group', 'Templates/Operating systems'), 'name': 'Templates/Operating systems'}],
            'templates': [tmpl], 'triggers': triggers}}


class D(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)
def strq(d, s):
    if '\n' in s:
        return d.represent_scalar('tag:yaml.org,2002:str', s, style='|')
    return d.represent_scalar('tag:yaml.org,2002:str', s, style="'" if any(c in s for c in ':{}[]#,"&*!|>%@`') or s in ('YES','NO','0') or s.isdigit() else None)
D.add_representer(str, strq)
D.ignore_aliases = lambda self, data: True
here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
for f, name in ((Jmx(), 'huatuo-jmx_by_jmx.yaml'), (Http(), 'huatuo-jmx_by_http.yaml')):
    with open(os.path.join(here, name), 'w') as out:
        out.write(yaml.dump(template(f), Dumper=D, sort_keys=False, allow_unicode=True, width=200))
