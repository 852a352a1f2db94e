#!/usr/bin/python3
"""Writes the two Zabbix 6.0 templates (YAML export format) next to this script:
huatuo-jmx_by_jmx.yaml (polled by the Zabbix Java gateway) and huatuo-jmx_by_http.yaml (the
embedded Jolokia, no gateway). Both are one master item that reads every attribute of every huatuo
MBean in one request, turned by a JavaScript step into one shape,
{"daemon": {...}, "tracers": {"<tracer>": {"EventCount": ..., "LastEvent": {...}, ...}}},
and everything else is a dependent item, discovery rule, trigger, graph and dashboard that is the
same in both. An attribute that may be absent (LastEvent before a tracer's first event, a drop
reason this kernel lacks) has an error handler that discards the value, so no item is ever "not
supported" on a healthy host. The severity of a tracer's "new anomalies" trigger comes from the
registry, through target/tracers.tsv, which the build writes (./dev.sh build). UUIDs are derived from names and keys, so they stay stable across
runs. Usage: python3 zabbix-templates/generate.py [DIR] (needs python3-yaml; DIR defaults to
zabbix-templates/). Tracers are discovered; items of one tracer's own attributes go into ITEMS."""
import hashlib, os, sys

import yaml
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
import tracers  # noqa: E402


def uid(*parts):
    h = bytearray(hashlib.md5(("huatuo-jmx/" + "/".join(parts)).encode()).digest())
    h[6] = (h[6] & 0x0f) | 0x40; h[8] = (h[8] & 0x3f) | 0x80
    return h.hex()


FAST, SLOW, LLD = '{$HUATUO.INTERVAL}', '{$HUATUO.INTERVAL.SLOW}', '{$HUATUO.LLD.INTERVAL}'
MAX = '{$HUATUO.OCCURRENCES.MAX:"{#TRACER}"}'
QUIET = '{$HUATUO.QUIET.PERIOD:"{#TRACER}"}'
T = '{#TRACER}'
DAEMON = None  # an item of the daemon, not of a tracer
STATES = ['RUNNING', 'DISABLED', 'UNAVAILABLE', 'FAILED']  # Tracer.State's legalValues, mapped to 1..4

bool_prep = [{'type': 'BOOL_TO_DECIMAL', 'parameters': ['']}]
ms_to_s = [{'type': 'MULTIPLIER', 'parameters': ['0.001']}]
per_s = [{'type': 'CHANGE_PER_SECOND', 'parameters': ['']}]
# a map of counts (HttpRequestsRefused) -> their sum
sum_prep = [{'type': 'JAVASCRIPT', 'parameters': [
    "var o = JSON.parse(value), n = 0;\nfor (var k in o) n += o[k];\nreturn n;"]}]
state_prep = [{'type': 'JAVASCRIPT', 'parameters': [
    "var s = %s.indexOf(value) + 1;\nif (s === 0) throw 'unknown tracer state ' + value;\nreturn s;" % (
        '[' + ', '.join("'%s'" % s for s in STATES) + ']')]}]
# what a tracer's items are about (the component tag); a tracer not listed gets only component: kernel
SUBSYSTEMS = {'network': 'dropwatch|netrecvlat|netdev|lacp|tcp_retransmit|netdev_txqueue_timeout',
              'cpu': 'softirq|softlockup', 'memory': 'oom|memreclaim', 'storage': 'hungtask', 'hardware': 'ras'}


def item(name, src, attr, vt='UNSIGNED', delay=FAST, units=None, desc=None, prep=None, vm=None, history='7d',
         key=None, optional=False, tags=()):
    """One value: attr of the daemon (src DAEMON) or of a tracer (a name, or T for the discovered one).
    optional: the attribute may be absent on a healthy host; its value is then discarded."""
    return dict(name=name, src=src, attr=attr, vt=vt, delay=delay, units=units, desc=desc, prep=prep or [], vm=vm,
                history=history, key=key, optional=optional, tags=list(tags))


def rate(name, src, attr, desc, units):
    return item(name, src, attr, vt='FLOAT', units=units, prep=per_s, desc=desc, key='rate')


ITEMS = [
    item('huatuo-jmx: version', DAEMON, 'Version', vt='CHAR', delay=SLOW, desc='Daemon version', history='30d',
         tags=[('component', 'application')]),
    item('huatuo-jmx: uptime', DAEMON, 'Uptime', units='s', prep=ms_to_s, vt='FLOAT',
         desc='Seconds since the daemon started', tags=[('component', 'application')]),
    item('huatuo-jmx: BPF available', DAEMON, 'BpfAvailable', prep=bool_prep, vm='huatuo yes/no', delay=SLOW,
         desc='BPF programs can be loaded and attached on this kernel', tags=[('component', 'application')]),
    item('huatuo-jmx: events handled', DAEMON, 'EventsHandled', desc='Events reported by all tracers since start',
         tags=[('component', 'application')]),
    item('huatuo-jmx: events lost', DAEMON, 'EventsLost', desc='Events lost by all tracers (ring or daemon queue full)',
         tags=[('component', 'health')]),
    dict(rate('huatuo-jmx: events lost per second', DAEMON, 'EventsLost', 'Events lost per second by all tracers', 'eps'),
         tags=[('component', 'health')]),
    item('huatuo-jmx: events queued', DAEMON, 'EventsQueued', desc='Events waiting for enrichment now',
         tags=[('component', 'health')]),
    item('huatuo-jmx: output errors', DAEMON, 'OutputErrors', desc='Enrichment or output failures since start',
         tags=[('component', 'health')]),
    item('huatuo-jmx: record write errors', DAEMON, 'RecordWriteErrors', desc='Record entries that could not be written',
         tags=[('component', 'health')]),
    item('huatuo-jmx: notifications dropped', DAEMON, 'NotificationsDropped',
         desc="Deliveries (one notification to one listener) the daemon's notifier queue had no room for",
         tags=[('component', 'health')]),
    item('huatuo-jmx: notifications lost', DAEMON, 'NotificationsLost',
         desc='Notifications a subscribed client did not get, all tracers, once per client (a slow or stopped JMX '
              'client, a full Jolokia store, a slow SSE stream)', tags=[('component', 'health')]),
    dict(rate('huatuo-jmx: notifications lost per second', DAEMON, 'NotificationsLost',
              'Notifications subscribed clients did not get, per second', 'nps'), tags=[('component', 'health')]),
    # logins: every wrong password is logged with its address; an address that keeps failing must wait
    item('huatuo-jmx: authentication failures', DAEMON, 'AuthenticationFailures',
         desc='Wrong user names or passwords on any endpoint since start (each is logged with its address)',
         tags=[('component', 'security')]),
    dict(rate('huatuo-jmx: authentication failures per second', DAEMON, 'AuthenticationFailures',
              'Wrong user names or passwords per second', 'lps'), tags=[('component', 'security')]),
    item('huatuo-jmx: authentications refused', DAEMON, 'AuthenticationsRefused',
         desc='Logins refused unchecked because their address had too many failures in a row and must wait',
         tags=[('component', 'security')]),
    dict(rate('huatuo-jmx: authentications refused per second', DAEMON, 'AuthenticationsRefused',
              'Logins refused unchecked per second (password guessing)', 'lps'), tags=[('component', 'security')]),
    # one number for every reason; the HttpRequestsRefused attribute and the log say which
    dict(rate('huatuo-jmx: HTTP requests refused per second', DAEMON, 'HttpRequestsRefused',
              'Jolokia and Prometheus requests refused per second, all reasons (foreign Host or origin: DNS '
              'rebinding; body or bulk request too large; JSON nested too deep; a fraction for a whole number)',
              'rps'), prep=[sum_prep[0], per_s[0]], tags=[('component', 'security')]),
    # dropwatch: the reasons that matter most, and the newest drop (absent until the first one)
    dict(rate('dropwatch: drops NO_SOCKET per second', 'dropwatch', 'DropsByReason.NO_SOCKET',
              'TCP packets dropped with no socket (SYN to a closed port, RST storms)', 'pps'), optional=True),
    dict(rate('dropwatch: drops NETFILTER_DROP per second', 'dropwatch', 'DropsByReason.NETFILTER_DROP',
              'TCP packets dropped by netfilter rules', 'pps'), optional=True),
    item('dropwatch: last drop reason', 'dropwatch', 'LastEvent.reason', vt='CHAR', optional=True,
         desc='Kernel drop reason of the newest drop (no value before the first)'),
    item('dropwatch: last drop type', 'dropwatch', 'LastEvent.type', vt='CHAR', optional=True,
         desc='common_drop, netfilter_drop, no_socket, tcp_drop, socket_overflow or queue_drop'),
    item('dropwatch: last drop source', 'dropwatch', 'LastEvent.saddr', vt='CHAR', optional=True,
         desc='Source address of the newest drop'),
    item('dropwatch: last drop destination', 'dropwatch', 'LastEvent.daddr', vt='CHAR', optional=True,
         desc='Destination address of the newest drop'),
    item('dropwatch: last drop destination port', 'dropwatch', 'LastEvent.dport', optional=True,
         desc='Destination port of the newest drop'),
    item('dropwatch: last drop TCP state', 'dropwatch', 'LastEvent.state', vt='CHAR', optional=True,
         desc='TCP state of the socket, empty without one'),
    item('dropwatch: last drop stack', 'dropwatch', 'LastEvent.stack', vt='TEXT', optional=True,
         desc='Kernel stack of the newest drop'),
    # oom and memreclaim: their own attributes
    item('oom: host OOM kills', 'oom', 'HostOomCount', desc='Reported OOM kills whose victim was a host process'),
    item('oom: container OOM kills', 'oom', 'ContainerOomCount', desc='Reported OOM kills whose victim was in a container'),
    item('memreclaim: threshold', 'memreclaim', 'ThresholdMillis', units='s', prep=ms_to_s, vt='FLOAT', delay=SLOW,
         desc='A task spending more than this in reclaim within the window is reported'),
    item('memreclaim: window', 'memreclaim', 'WindowMillis', units='s', prep=ms_to_s, vt='FLOAT', delay=SLOW,
         desc='The window reclaim time is summed over'),
]
PROTOS = [
    item('{T}: events', T, 'EventCount', desc='Events reported since the daemon started'),
    rate('{T}: events per second', T, 'EventCount', 'Events reported per second', 'eps'),
    rate('{T}: occurrences per second', T, 'OccurrenceCount',
         'Occurrences the kernel side saw per second, rate-limited ones included', 'eps'),
    rate('{T}: lost per second', T, 'LostEvents', 'Records lost per second (ring or daemon queue full)', 'eps'),
    rate('{T}: rate-limited per second', T, 'RateLimitedEvents',
         'Event details suppressed by MaxEventsPerSecond, per second (still counted as occurrences)', 'eps'),
    item('{T}: lost events', T, 'LostEvents', desc='Records that could not be handed over since the daemon started'),
    item('{T}: missed BPF program runs', T, 'MissedProgramRuns',
         desc="Runs of the tracer's BPF programs the kernel skipped since the daemon started, the program already "
              "running on that CPU (counted by kernels 6.7+)"),
    item('{T}: notifications lost', T, 'NotificationsLost',
         desc='Notifications of this tracer a subscribed client did not get, once per client'),
    item('{T}: occurrences in the last minute', T, 'OccurrencesLastMinute',
         desc='Occurrences in the last minute, rate-limited ones included, counted by the daemon'),
    item('{T}: occurrences in the last 5 minutes', T, 'OccurrencesLast5Minutes',
         desc='Occurrences in the last 5 minutes, rate-limited ones included, counted by the daemon'),
    item('{T}: events in the last minute', T, 'EventsLastMinute', desc='Events reported in the last minute'),
    item('{T}: state', T, 'State', prep=state_prep, vm='huatuo tracer state',
         desc='RUNNING, DISABLED, UNAVAILABLE or FAILED'),
    item('{T}: probe', T, 'Probe', vt='CHAR', delay=SLOW, desc='The hook in use, or why none works on this kernel'),
    item('{T}: enabled', T, 'Enabled', prep=bool_prep, vm='huatuo yes/no', desc='Tracer switched on'),
    item('{T}: max events per second', T, 'MaxEventsPerSecond', delay=SLOW, units='eps', desc='Detail rate limit'),
    item('{T}: last event time', T, 'LastEventTime', units='unixtime', prep=ms_to_s, vt='FLOAT',
         desc='Time of the newest event, 0 if none'),
    item('{T}: kernel cost', T, 'KernelCostNanosPerSecond', units='%', vt='FLOAT',
         prep=[{'type': 'MULTIPLIER', 'parameters': ['0.0000001']}],
         desc="CPU time the tracer's BPF programs ran in the kernel, in percent of one CPU, over the daemon's last "
              "measurement window (negative: not measured, KernelCostNote says why)"),
    item('{T}: BPF program runs per second', T, 'ProgramRunsPerSecond', units='rps', vt='FLOAT',
         desc="Runs of the tracer's BPF programs per second over the last measurement window (-1: not measured)"),
]
COMMON_MACROS = [
    {'macro': FAST, 'value': '1m', 'description': 'How often the daemon is read (one request for every value)'},
    {'macro': SLOW, 'value': '1h', 'description': 'Configuration values (version, probe, thresholds) are stored when '
                                                'they change, or once per this interval'},
    {'macro': LLD, 'value': '1h', 'description': 'An unchanged list of tracers is processed again after this long'},
    {'macro': '{$HUATUO.OCCURRENCES.MAX}', 'value': '0',
     'description': 'A tracer\'s problem opens when it saw more occurrences than this in the last minute. Use context '
                    'per tracer, e.g. {$HUATUO.OCCURRENCES.MAX:"netrecvlat"}'},
    {'macro': '{$HUATUO.OCCURRENCES.MAX:"dropwatch"}', 'value': '10',
     'description': 'Drops: a few a minute (a port scan, a late packet of a closed connection) are no page'},
    {'macro': '{$HUATUO.QUIET.PERIOD}', 'value': '5m',
     'description': 'A tracer\'s problem resolves after this long at or under its threshold (one page per burst); '
                    'context per tracer as for {$HUATUO.OCCURRENCES.MAX}'},
    {'macro': '{$HUATUO.LLD.FILTER.TRACER.MATCHES}', 'value': '.*',
     'description': 'Only tracers whose name matches this regex are discovered'},
    {'macro': '{$HUATUO.LLD.FILTER.TRACER.NOT_MATCHES}', 'value': 'CHANGE_IF_NEEDED',
     'description': 'Tracers whose name matches this regex are not discovered (e.g. ^lacp$ on hosts without bonds)'},
]

# The master item's value -> {"daemon": {...}, "tracers": {...}}. Attributes of CompositeData nest
# (LastEvent.reason -> LastEvent: {reason}); null values (LastEvent before a tracer's first event) are left out.
NEST = ("function put(target, name, v) {\n"
        "    if (v === null || v === undefined) return;\n"
        "    var dot = name.indexOf('.');\n"
        "    if (dot < 0) { target[name] = v; return; }\n"
        "    var head = name.substring(0, dot);\n"
        "    if (typeof target[head] !== 'object' || target[head] === null) target[head] = {};\n"
        "    put(target[head], name.substring(dot + 1), v);\n"
        "}\n")
JMX_NORMALIZE = NEST + (
    "// jmx.get[attributes,...]: one row per readable value {object, name, value}\n"
    "var rows = JSON.parse(value), out = {daemon: {}, tracers: {}};\n"
    "for (var i = 0; i < rows.length; i++) {\n"
    "    var r = rows[i], type = /[:,]type=([^,]+)/.exec(r.object), name = /[:,]name=([^,]+)/.exec(r.object);\n"
    "    if (!type) continue;\n"
    "    if (type[1] === 'Daemon') put(out.daemon, r.name, r.value);\n"
    "    else if (type[1] === 'Tracer' && name) put(out.tracers[name[1]] = out.tracers[name[1]] || {}, r.name, r.value);\n"
    "}\n"
    "if (!out.daemon.Version) throw 'no huatuo:type=Daemon MBean in the answer';\n"
    "return JSON.stringify(out);")
HTTP_NORMALIZE = NEST + (
    "// a Jolokia bulk read: [daemon read, huatuo:type=Tracer,* read]\n"
    "var a = JSON.parse(value), out = {daemon: {}, tracers: {}};\n"
    "for (var i = 0; i < 2; i++) {\n"
    "    if (!a[i] || a[i].status !== 200) throw 'Jolokia: ' + (a[i] ? a[i].error || 'status ' + a[i].status : 'no answer');\n"
    "}\n"
    "out.daemon = a[0].value;\n"
    "for (var n in a[1].value) {\n"
    "    var m = /[:,]name=([^,]+)/.exec(n), t = {}, v = a[1].value[n];\n"
    "    if (!m) continue;\n"
    "    for (var k in v) put(t, k, v[k]);\n"
    "    out.tracers[m[1]] = t;\n"
    "}\n"
    "return JSON.stringify(out);")
DISCOVERY_JS = ("var out = [];\n"
                "for (var t in JSON.parse(value).tracers) out.push({'{#TRACER}': t});\n"
                "return JSON.stringify(out);")


class Flavour:
    """What differs between the JMX and the HTTP template: the master item and its normalizing step."""
    master_key = None

    def uuid(self, *parts):
        return uid(self.prefix, *parts)


class Jmx(Flavour):
    name = 'huatuo-jmx by JMX'
    prefix = 'jmx2'
    master_key = 'jmx.get[attributes,"huatuo:*"]'
    description = ('huatuo-jmx kernel anomaly tracers over JMX, polled by the Zabbix Java gateway. Host interface: JMX, '
                   'port 9875 (jmx.port). Set {$HUATUO.JMX.USER} and {$HUATUO.JMX.PASSWORD} when jmx.passwordFile is '
                   'configured. One jmx.get request reads every huatuo attribute; every other item depends on it.')
    macros = [{'macro': '{$HUATUO.JMX.USER}', 'description': 'JMX user (jmx.passwordFile); empty without authentication'},
              {'macro': '{$HUATUO.JMX.PASSWORD}', 'type': 'SECRET_TEXT', 'description': 'Password of {$HUATUO.JMX.USER}'}]

    def master(self):
        return {'uuid': self.uuid('master'), 'name': 'huatuo-jmx: every attribute (jmx.get)', 'type': 'JMX',
                'key': self.master_key, 'delay': FAST, 'history': '0', 'trends': '0', 'value_type': 'TEXT',
                'username': '{$HUATUO.JMX.USER}', 'password': '{$HUATUO.JMX.PASSWORD}',
                'description': 'Every readable attribute of every huatuo MBean (the daemon and each tracer) in one '
                               'request through the Java gateway, turned into one JSON document that the other '
                               'items take their values from.',
                'preprocessing': [{'type': 'JAVASCRIPT', 'parameters': [JMX_NORMALIZE]}],
                'jmx_endpoint': 'service:jmx:rmi:///jndi/rmi://{HOST.CONN}:{HOST.PORT}/jmxrmi',
                'tags': [{'tag': 'component', 'value': 'raw'}]}


class Http(Flavour):
    name = 'huatuo-jmx by HTTP'
    prefix = 'http2'
    master_key = 'huatuo.jolokia.read'
    description = ('huatuo-jmx kernel anomaly tracers over HTTP: one HTTP-agent item reads the embedded Jolokia '
                   '(jolokia.*, default port 8778), no Java gateway needed. Set {$HUATUO.JOLOKIA.PORT} and, when '
                   'jolokia.user is configured, {$HUATUO.JOLOKIA.USER} and {$HUATUO.JOLOKIA.PASSWORD}.')
    macros = [{'macro': '{$HUATUO.JOLOKIA.SCHEME}', 'value': 'http', 'description': 'http, or https behind a TLS proxy'},
              {'macro': '{$HUATUO.JOLOKIA.PORT}', 'value': '8778', 'description': 'jolokia.port'},
              {'macro': '{$HUATUO.JOLOKIA.PATH}', 'value': '/jolokia/', 'description': 'Jolokia path'},
              {'macro': '{$HUATUO.JOLOKIA.USER}', 'description': 'jolokia.user; empty without authentication'},
              {'macro': '{$HUATUO.JOLOKIA.PASSWORD}', 'type': 'SECRET_TEXT',
               'description': 'Password of {$HUATUO.JOLOKIA.USER} (jolokia.passwordFile)'},
              {'macro': '{$HUATUO.JOLOKIA.TIMEOUT}', 'value': '10s', 'description': 'HTTP request timeout'}]
    # every attribute of the daemon, then of every tracer (by MBean name), in one POST
    BODY = ('[{"type": "read", "mbean": "huatuo:type=Daemon", "config": {"canonicalNaming": false}}, '
            '{"type": "read", "mbean": "huatuo:type=Tracer,*", "config": {"canonicalNaming": false}}]')

    def master(self):
        return {'uuid': self.uuid('master'), 'name': 'huatuo-jmx: every attribute (Jolokia)', 'type': 'HTTP_AGENT',
                'key': self.master_key, 'delay': FAST, 'history': '0', 'trends': '0', 'value_type': 'TEXT',
                'authtype': 'BASIC', 'username': '{$HUATUO.JOLOKIA.USER}', 'password': '{$HUATUO.JOLOKIA.PASSWORD}',
                'description': 'Every attribute of huatuo:type=Daemon and of every huatuo:type=Tracer MBean in one '
                               'Jolokia POST, turned into one JSON document that the other items take their values from.',
                'preprocessing': [{'type': 'JAVASCRIPT', 'parameters': [HTTP_NORMALIZE]}],
                'timeout': '{$HUATUO.JOLOKIA.TIMEOUT}',
                # not one URL macro: Zabbix does not expand {HOST.CONN} inside a user macro's value
                # (6.0.14: "URL using bad/illegal format"), so the host part stays in the item
                'url': '{$HUATUO.JOLOKIA.SCHEME}://{HOST.CONN}:{$HUATUO.JOLOKIA.PORT}{$HUATUO.JOLOKIA.PATH}',
                'posts': self.BODY, 'post_type': 'JSON', 'request_method': 'POST',
                'tags': [{'tag': 'component', 'value': 'raw'}]}


def key(it):
    """huatuo.daemon[Attr], huatuo.tracer[tracer,Attr], per-second values huatuo.tracer.rate[tracer,Attr]."""
    kind = 'huatuo.daemon' if it['src'] is DAEMON else 'huatuo.tracer'
    if it['key'] == 'rate':
        kind += '.rate'
    return '%s[%s]' % (kind, it['attr'] if it['src'] is DAEMON else it['src'] + ',' + it['attr'])


def path(it):
    base = '$.daemon' if it['src'] is DAEMON else "$.tracers['%s']" % it['src']
    return base + ''.join("['%s']" % p for p in it['attr'].split('.'))


def build_item(f, it, tags):
    prep = [{'type': 'JSONPATH', 'parameters': [path(it)]}]
    if it['optional']:  # absent on a healthy host: no value rather than "not supported"
        prep[0].update({'error_handler': 'DISCARD_VALUE'})
    prep += it['prep']
    if it['delay'] == SLOW:  # configuration values: stored when they change, or once per slow interval
        prep.append({'type': 'DISCARD_UNCHANGED_HEARTBEAT', 'parameters': [SLOW]})
    d = {'uuid': f.uuid('item', key(it)), 'name': it['name'].replace('{T}', T), 'type': 'DEPENDENT', 'key': key(it),
         'delay': '0', 'history': it['history']}
    if it['vt'] in ('CHAR', 'TEXT'):
        d['trends'] = '0'
    d['value_type'] = it['vt']
    if it['units']:
        d['units'] = it['units']
    if it['desc']:
        d['description'] = it['desc']
    if it['vm']:
        d['valuemap'] = {'name': it['vm']}
    d['preprocessing'] = prep
    d['master_item'] = {'key': f.master_key}
    d['tags'] = [{'tag': k, 'value': v} for k, v in tags + it['tags']]
    return d


def subsystem(tracer):
    return next((sub for sub, names in SUBSYSTEMS.items() if tracer in names.split('|')), 'kernel')


def graph_item(f, color, it_key, drawtype='SINGLE_LINE'):
    return {'drawtype': drawtype, 'color': color, 'item': {'host': f.name, 'key': it_key}}


def template(f):
    name = f.name
    items = [f.master()]
    for it in ITEMS:
        tags = [] if it['src'] is DAEMON else [('component', subsystem(it['src'])), ('tracer', it['src'])]
        items.append(build_item(f, it, tags))
    protos = [build_item(f, it, [('tracer', T)]) for it in PROTOS]

    def tk(attr, rate=False):
        return ('huatuo.tracer.rate[%s,%s]' if rate else 'huatuo.tracer[%s,%s]') % (T, attr)

    def ref(k):
        return '/%s/%s' % (name, k)

    trig_protos = [
        {'uuid': f.uuid('trigger', 'anomalies'),
         'expression': 'last(%s)>%s' % (ref(tk('OccurrencesLastMinute')), MAX),
         'recovery_mode': 'RECOVERY_EXPRESSION',
         'recovery_expression': 'max(%s,%s)<=%s' % (ref(tk('OccurrencesLastMinute')), QUIET, MAX),
         'name': 'huatuo %s: new anomalies' % T, 'opdata': '{ITEM.LASTVALUE1} in the last minute',
         'priority': 'WARNING', 'manual_close': 'YES',
         'description': 'The tracer saw more than %s occurrences in the last minute (the daemon counts them, rate-limited '
                        'ones included). The problem stays open until the tracer has been at or under that for %s: one '
                        'problem per burst. Details: the LastEvent attribute (JConsole, Jolokia), the notifications, or '
                        'the record file /var/lib/huatuo-jmx/record/%s.' % (MAX, QUIET, T),
         'tags': [{'tag': 'scope', 'value': 'availability'}]},
        {'uuid': f.uuid('trigger', 'failed'), 'expression': 'last(%s)=%d' % (ref(tk('State')), STATES.index('FAILED') + 1),
         'name': 'huatuo %s: tracer failed' % T, 'opdata': 'State: {ITEM.LASTVALUE1}', 'priority': 'AVERAGE',
         'manual_close': 'YES', 'description': 'The tracer stopped working; its Probe attribute says why.',
         'tags': [{'tag': 'scope', 'value': 'availability'}]},
        {'uuid': f.uuid('trigger', 'lost'), 'expression': 'max(%s,%s)>0' % (ref(tk('LostEvents', True)), QUIET),
         'name': 'huatuo %s: events lost' % T, 'opdata': '{ITEM.LASTVALUE1}', 'priority': 'INFO',
         'manual_close': 'YES',
         'description': 'Records could not be handed over (ring buffer or daemon queue full); the counts stay exact. '
                        'Resolves after a quiet period without losses.',
         'tags': [{'tag': 'scope', 'value': 'performance'}]},
    ]
    graph_protos = [
        {'uuid': f.uuid('graph', 'rates'), 'name': 'huatuo %s: occurrences, events and losses per second' % T,
         'graph_items': [graph_item(f, 'F63100', tk('OccurrenceCount', True), 'GRADIENT_LINE'),
                         graph_item(f, '199C0D', tk('EventCount', True)),
                         graph_item(f, 'E53935', tk('LostEvents', True)),
                         graph_item(f, 'FFC107', tk('RateLimitedEvents', True))]},
        {'uuid': f.uuid('graph', 'window'), 'name': 'huatuo %s: occurrences in the last minute' % T,
         'graph_items': [graph_item(f, 'F63100', tk('OccurrencesLastMinute'), 'GRADIENT_LINE'),
                         graph_item(f, '199C0D', tk('EventsLastMinute'))]},
    ]
    overrides = []
    # "new anomalies" is a warning unless the tracer's severity says more (TracerType.severity); no STOP:
    # the component overrides below still apply
    by_severity = [(sev, '|'.join(t for t, s in tracers.severities() if s == sev)) for sev in ('HIGH', 'AVERAGE')]
    for sev, names in [(sev, names) for sev, names in by_severity if names]:
        overrides.append({'name': 'severity %s' % sev.lower(), 'step': str(len(overrides) + 1),
                          'filter': {'conditions': [{'macro': T, 'value': '^(%s)$' % names, 'formulaid': 'A'}]},
                          'operations': [{'operationobject': 'TRIGGER_PROTOTYPE', 'operator': 'LIKE',
                                          'value': 'new anomalies', 'severity': sev}]})
    # the subsystem a tracer's items belong to; a tracer not listed is just "kernel"
    for sub, names in list(SUBSYSTEMS.items()) + [('kernel', '.*')]:
        overrides.append({'name': 'component %s' % sub, 'step': str(len(overrides) + 1), 'stop': 'STOP',
                          'filter': {'conditions': [{'macro': T, 'value': '^(%s)$' % names, 'formulaid': 'A'}]},
                          'operations': [{'operationobject': 'ITEM_PROTOTYPE', 'operator': 'REGEXP', 'value': '.*',
                                          'tags': [{'tag': 'component', 'value': sub}]}]})
    disc = {'uuid': f.uuid('discovery'), 'name': 'huatuo tracers', 'type': 'DEPENDENT', 'key': 'huatuo.tracers.discovery',
            'delay': '0',
            'filter': {'evaltype': 'AND', 'conditions': [
                {'macro': T, 'value': '{$HUATUO.LLD.FILTER.TRACER.MATCHES}', 'formulaid': 'A'},
                {'macro': T, 'value': '{$HUATUO.LLD.FILTER.TRACER.NOT_MATCHES}', 'operator': 'NOT_MATCHES_REGEX',
                 'formulaid': 'B'}]},
            'lifetime': '7d',
            'description': 'One set of items, triggers and graphs per huatuo tracer MBean (huatuo:type=Tracer,name=<tracer>), '
                           'from the master item: new tracers appear without a template change. '
                           '{$HUATUO.LLD.FILTER.TRACER.*} choose which.',
            'item_prototypes': protos, 'trigger_prototypes': trig_protos, 'graph_prototypes': graph_protos,
            'master_item': {'key': f.master_key},
            'preprocessing': [{'type': 'JAVASCRIPT', 'parameters': [DISCOVERY_JS]},
                              {'type': 'DISCARD_UNCHANGED_HEARTBEAT', 'parameters': [LLD]}],
            'overrides': overrides}

    def dk(attr):
        return ref('huatuo.daemon[%s]' % attr)

    def grew(uuid, attr, name, priority, description):
        """A problem while a daemon counter grew within the last 5 minutes (its per-second item > 0)."""
        return {'uuid': f.uuid('trigger', uuid), 'expression': 'max(%s,5m)>0' % ref('huatuo.daemon.rate[%s]' % attr),
                'name': name, 'priority': priority, 'manual_close': 'YES', 'description': description}

    triggers = [
        grew('lost-daemon', 'EventsLost', 'huatuo-jmx: events lost', 'INFO',
             'Some tracer could not hand over events in the last 5 minutes.'),
        {'uuid': f.uuid('trigger', 'restart'), 'expression': 'last(%s)<600' % dk('Uptime'),
         'name': 'huatuo-jmx: daemon restarted', 'opdata': 'Uptime: {ITEM.LASTVALUE1}', 'priority': 'INFO',
         'manual_close': 'YES', 'description': 'Uptime below 10 minutes.'},
        {'uuid': f.uuid('trigger', 'nodata'), 'expression': 'nodata(%s,5m)=1' % dk('Uptime'),
         'name': 'huatuo-jmx: no data for 5 minutes', 'priority': 'AVERAGE',
         'description': 'The daemon or its %s does not answer (check the service and the credential macros).'
                        % ('JMX port' if isinstance(f, Jmx) else 'Jolokia port')},
        grew('notifications-lost', 'NotificationsLost', 'huatuo-jmx: notifications lost', 'INFO',
             'A subscribed client missed notifications in the last 5 minutes (a slow or stopped JMX client, a full '
             'Jolokia store, a slow SSE stream); each tracer\'s NotificationsLost says whose. The counts and LastEvent '
             'stay exact.'),
        grew('logins-refused', 'AuthenticationsRefused', 'huatuo-jmx: logins refused after repeated wrong passwords',
             'WARNING', 'An address kept sending wrong passwords and had to wait (password guessing, or a client with '
             'an old password); the daemon log names the address.'),
        grew('http-refused', 'HttpRequestsRefused', 'huatuo-jmx: HTTP requests refused', 'INFO',
             'Jolokia or Prometheus refused requests in the last 5 minutes; the HttpRequestsRefused attribute counts '
             'them by reason (a foreign Host or origin is DNS rebinding from a browser) and the daemon log names the '
             'address.'),
        {'uuid': f.uuid('trigger', 'bpf'), 'expression': 'last(%s)=0' % dk('BpfAvailable'),
         'name': 'huatuo-jmx: BPF not available', 'priority': 'WARNING',
         'description': 'The kernel cannot run the BPF tracers; see the BpfUnavailableReason attribute.'},
    ]
    # the daemon's vital signs in a row of item values, then each graph prototype for every tracer in two
    # rows (a graph prototype widget shows at most columns x rows graphs: as many columns as the registry
    # needs; headless Chromium never finished the page with three rows of 4)
    columns = -(-len(tracers.severities()) // 2)
    vitals = [('Version', 'Version'), ('Uptime', 'Uptime'), ('BpfAvailable', 'BPF available'),
              ('EventsHandled', 'Events handled'), ('EventsLost', 'Events lost'), ('NotificationsDropped', 'Notifications dropped')]
    widgets = [{'type': 'ITEM', 'name': title, 'x': str(4 * n), 'width': '4', 'height': '2', 'fields': [
        {'type': 'ITEM', 'name': 'itemid', 'value': {'host': name, 'key': 'huatuo.daemon[%s]' % attr}}]}
        for n, (attr, title) in enumerate(vitals)]
    for n, (graph, title) in enumerate([('occurrences in the last minute', 'Occurrences in the last minute'),
                                        ('occurrences, events and losses per second',
                                         'Occurrences, events and losses per second')]):
        widgets.append({'type': 'GRAPH_PROTOTYPE', 'name': title, 'y': str(2 + 10 * n), 'width': '24', 'height': '10',
                        'fields': [{'type': 'INTEGER', 'name': 'columns', 'value': str(columns)},
                                   {'type': 'INTEGER', 'name': 'rows', 'value': '2'},
                                   {'type': 'GRAPH_PROTOTYPE', 'name': 'graphid',
                                    'value': {'host': name, 'name': 'huatuo %s: %s' % (T, graph)}}]})
    dashboard = {'uuid': f.uuid('dashboard'), 'name': 'huatuo-jmx', 'pages': [{'name': 'Tracers', 'widgets': widgets}]}
    tmpl = {'uuid': f.uuid('template'), 'template': name, 'name': name, 'description': f.description,
            'groups': [{'name': 'Templates/Applications'}], 'items': items, 'discovery_rules': [disc],
            'tags': [{'tag': 'class', 'value': 'os'}, {'tag': 'target', 'value': 'huatuo-jmx'}],
            'macros': COMMON_MACROS + f.macros, 'dashboards': [dashboard],
            'valuemaps': [{'uuid': f.uuid('valuemap', 'yesno'), 'name': 'huatuo yes/no',
                           'mappings': [{'value': '0', 'newvalue': 'No'}, {'value': '1', 'newvalue': 'Yes'}]},
                          {'uuid': f.uuid('valuemap', 'state'), 'name': 'huatuo tracer state',
                           'mappings': [{'value': str(i + 1), 'newvalue': s} for i, s in enumerate(STATES)]}]}
    return {'zabbix_export': {'version': '6.0', 'date': '2026-12-04T00:00:00Z',
            'groups': [{'uuid': uid('group', 'Templates/Applications'), 'name': 'Templates/Applications'}],
            'templates': [tmpl], 'triggers': triggers}}


class D(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def strq(d, s):
    if '\n' in s:
        return d.represent_scalar('tag:yaml.org,2002:str', s, style='|')
    quote = any(c in s for c in ':{}[]#,"&*!|>%@`') or s in ('YES', 'NO', 'y', 'n', 'Y', 'N') or s.isdigit() or s == ''
    return d.represent_scalar('tag:yaml.org,2002:str', s, style="'" if quote else None)


D.add_representer(str, strq)
D.ignore_aliases = lambda self, data: True
here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
for f, file in ((Jmx(), 'huatuo-jmx_by_jmx.yaml'), (Http(), 'huatuo-jmx_by_http.yaml')):
    with open(os.path.join(here, file), 'w') as out:
        out.write(yaml.dump(template(f), Dumper=D, sort_keys=False, allow_unicode=True, width=200))
