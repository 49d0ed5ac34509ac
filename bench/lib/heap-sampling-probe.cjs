// Preloaded by bench/micro/heap-sample.mjs (--require): V8's sampling heap profiler, started after
// HEAP_SAMPLE_START_MS and written to HEAP_SAMPLE_OUT on SIGUSR2. HEAP_SAMPLE_MINOR=1 keeps the
// samples of objects a minor GC collected too (then: everything allocated); otherwise only what
// survived the young generation (promoted, whether a major GC collected it later or not).
'use strict';
const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
setTimeout(() => {
  session.post('HeapProfiler.enable', () => {
    session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.HEAP_SAMPLE_MINOR === '1' });
  });
}, Number(process.env.HEAP_SAMPLE_START_MS ?? 4000)).unref();
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.stopSampling', (err, r) => {
    if (!err) fs.writeFileSync(process.env.HEAP_SAMPLE_OUT, JSON.stringify(r.profile));
    process.stderr.write(`heap-sample ${err ? `failed: ${err.message}` : 'written'}\n`);
  });
});
