import json, sys, collections, re
d = json.load(open(sys.argv[1]))
ev = d['recording']['events']
t0 = sys.argv[2] if len(sys.argv) > 2 else None  # ISO window start
t1 = sys.argv[3] if len(sys.argv) > 3 else None
def fname(f):
    m = f['method']; return m['type']['name'].replace('/', '.') + '.' + m['name']
threads = collections.Counter(); steps = collections.Counter(); tops = collections.Counter()
n = 0
STEPS = [
 ('fe: JettySink.line/write (response line through Jetty)', ['org.mtcp.frontend.http.JettySink.']),
 ('fe: ChunkedWriter', ['org.mtcp.frontend.engine.ChunkedWriter.']),
 ('fe: exportState (snapshot)', ['org.mtcp.frontend.engine.SnapshotExporter.export']),
 ('fe: mtcp.begin', ['org.mtcp.frontend.engine.MtcpSql.begin']),
 ('fe: fenced probe', ['org.mtcp.frontend.engine.BatchEngine.fenced']),
 ('fe: outcome INSERT + COMMIT', ['org.mtcp.jdbc.MtcpTransaction.commit']),
 ('fe: outcome record INSERT', ['org.mtcp.frontend.engine.BatchStore.record']),
 ('fe: operation (transfer)', ['org.mtcp.webapp.BankOperations']),
 ('fe: savepoint set/release/rollback', ['setSavepoint', 'releaseSavepoint']),
 ('fe: line formatting (Lines)', ['org.mtcp.frontend.batch.Lines.']),
 ('fe: getConnection (Hikari)', ['com.zaxxer.hikari.HikariDataSource.getConnection', 'org.mtcp.frontend.engine.DatabaseGate.getConnection']),
 ('fe: connection close (Hikari)', ['com.zaxxer.hikari.pool.ProxyConnection.close']),
 ('fe: createOrFind batch', ['org.mtcp.frontend.engine.BatchStore.createOrFind']),
 ('fe: store.lines', ['org.mtcp.frontend.engine.BatchStore.lines']),
 ('fe: store.counts / summary', ['org.mtcp.frontend.engine.BatchStore.counts', 'BatchEngine.summarize']),
 ('fe: ClientGate', ['org.mtcp.frontend.engine.ClientGate']),
 ('fe: parse batch JSON', ['org.mtcp.frontend.batch.BatchParser.parse']),
 ('fe: read body', ['Request.asInputStream', 'InputStream.readNBytes', 'Content$Source']),
 ('fe: Idle export / completed', ['FrontendHandler.completed']),
 ('fe: head commit', ['JettySink.commitHead']),
 ('fe: Jetty HTTP parse (request)', ['org.eclipse.jetty.http.HttpParser']),
 ('fe: InboundGate/RequestFramer', ['org.mtcp.frontend.jetty.InboundGate', 'org.mtcp.frontend.jetty.RequestFramer']),
 ('fe: MtcpEndPoint.flush', ['org.mtcp.frontend.jetty.MtcpEndPoint.flush']),
 ('fe: other handler', ['org.mtcp.frontend.http.FrontendHandler.handle']),
 ('fe: engine other', ['org.mtcp.frontend.engine.BatchEngine']),
 ('client: bench worker', ['org.mtcp.bench.frontend.FrontendBench.frontendWorker']),
 ('jdbc worker', ['FrontendBench.jdbcWorker']),
 ('mtcp-core: server link', ['org.mtcp.core.internal.server']),
 ('mtcp-core: client', ['org.mtcp.core.internal.client', 'org.mtcp.core.MtcpSocket']),
 ('mtcp-core: other', ['org.mtcp.core']),
 ('jetty other', ['org.eclipse.jetty']),
 ('FJP/VT scheduling', ['java.util.concurrent.ForkJoin', 'jdk.internal.vm.Continuation', 'java.lang.VirtualThread']),
 ('GC/JIT/VM (no java frames)', []),
]
for e in ev:
    v = e['values']
    st = v['startTime']
    if t0 and st < t0: continue
    if t1 and st > t1: continue
    n += 1
    th = v.get('eventThread') or v.get('sampledThread') or {}
    tn = (th or {}).get('javaName') or (th or {}).get('osName') or '?'
    tn = re.sub(r'\d+', 'N', tn)
    threads[tn] += 1
    frames = [fname(f) for f in (v.get('stackTrace') or {}).get('frames', [])]
    if frames: tops[frames[0]] += 1
    # frames[0] is the top; walk from outermost in to find the innermost matching step
    chosen = None
    for label, pats in STEPS:
        if not pats:
            continue
        if any(any(p in f for p in pats) for f in frames):
            chosen = label; break
    if chosen is None:
        chosen = 'GC/JIT/VM (no java frames)' if not frames else 'other: ' + frames[-1]
    steps[chosen] += 1
print('samples', n)
print('--- threads'); [print(f'{c:6d} {100*c/n:5.1f}% {k}') for k, c in threads.most_common(25)]
print('--- steps'); [print(f'{c:6d} {100*c/n:5.1f}% {k}') for k, c in steps.most_common(45)]
print('--- top frames'); [print(f'{c:6d} {100*c/n:5.1f}% {k}') for k, c in tops.most_common(30)]
