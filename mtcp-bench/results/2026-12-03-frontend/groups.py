import re, sys
G = [
 ('database calls of a transaction: mtcp.begin', ['fe: mtcp.begin']),
 ('database calls of a transaction: the operation (3 statements)', ['fe: operation']),
 ('database calls of a transaction: SAVEPOINT / RELEASE', ['fe: savepoint']),
 ('database calls of a transaction: outcome INSERT, COMMIT', ['fe: outcome', 'fe: COMMIT']),
 ('database calls per batch: create/find batch, lines, counts', ['fe: createOrFind', 'fe: store.']),
 ('HikariCP borrow/return', ['Hikari']),
 ('virtual-thread scheduling and the JDK pollers', ['FJP/VT', 'InnocuousThread', 'DelayScheduler']),
 ('request: Jetty parsing, body, framer', ['Jetty HTTP parse', 'read body', 'InboundGate', 'fe: other handler', 'jetty other']),
 ('JSON: batch parse + line formatting', ['parse batch JSON', 'line formatting']),
 ('response lines through Jetty + snapshot exports', ['JettySink', 'exportState', 'Idle export', 'ChunkedWriter', 'MtcpEndPoint']),
 ('M-TCP server side (links, send/read threads)', ['mtcp-core: server', 'mtcp-core: other']),
 ('client side (bench client + MtcpSocket)', ['client: bench', 'mtcp-core: client']),
]
def load(path):
    steps = {}
    sec = None
    for line in open(path):
        if line.startswith('---'): sec = line.strip(); continue
        if sec == '--- steps':
            m = re.match(r'\s*(\d+)\s+[\d.]+%\s+(.*)', line)
            if m: steps[m.group(2)] = int(m.group(1))
    return steps
cols = []
for arg in sys.argv[1:]:
    path, cpu = arg.split(':'); cols.append((load(path), float(cpu)))
print('| where | ' + ' | '.join(f'{c:.0f} us/tx' for _, c in cols) + ' |')
for label, pats in G + [('other (engine glue, GC, JIT, ...)', None)]:
    vals = []
    for steps, cpu in cols:
        total = sum(steps.values())
        if pats is None:
            used = sum(v for k, v in steps.items() if any(any(p in k for p in ps) for _, ps in G))
            n = total - used
        else:
            n = sum(v for k, v in steps.items() if any(p in k for p in pats))
        vals.append(f'{cpu * n / total:.0f}')
    print(f'| {label} | ' + ' | '.join(vals) + ' |')
