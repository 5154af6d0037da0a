# Reduces `jfr print --stack-depth 40 --events jdk.CPUTimeSample x.jfr` to CPU samples per thread
# (link threads grouped by role) with each thread's top frames, and where the client's reader spends.
import re, sys, collections
evs = open(sys.argv[1]).read().split('jdk.CPUTimeSample {')[1:]
by = collections.Counter(); top = collections.defaultdict(collections.Counter); reader = collections.Counter()
for e in evs:
    m = re.search(r'eventThread = "([^"]*)"', e)
    t = m.group(1) if m else '?'
    t = re.sub(r'(mtcp-(client|server)-(read|send)).*', r'\1', t)
    t = re.sub(r'(ForkJoinPool-\d+-worker).*', r'\1', t)
    by[t] += 1
    frames = re.findall(r'^\s+([\w.$<>]+\.[\w$<>]+)\(', e, re.M)
    if frames:
        top[t][frames[0].split('.')[-1]] += 1
    if t == 'mtcp-client-read':
        for k in ('ReliableStream.readData', 'ReadBuffer.readFrom', 'FrameReader.read'):
            if k in e:
                reader[k] += 1
n = len(evs)
print('samples', n)
for t, c in by.most_common(14):
    print('%5.1f%% %-28s %s' % (100 * c / n, t, ', '.join('%s %d' % kv for kv in top[t].most_common(4))))
print('client reader samples in:', dict(reader))
