// Preloaded by bench/micro/memory.mjs (--require, before any variant's preload): once a second,
// the heap's totals and its spaces in use on stderr, so that RSS can be read as young generation,
// old generation, code, external memory.
'use strict';
const v8 = require('node:v8');
const mb = (x) => (x / 1048576).toFixed(1);
setInterval(() => {
  const m = process.memoryUsage();
  const spaces = v8.getHeapSpaceStatistics().filter((s) => s.space_used_size > 0).map((s) => `${s.space_name.replace('_space', '')}=${mb(s.space_used_size)}`);
  process.stderr.write(`heap-spaces heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} ${spaces.join(' ')}\n`);
}, 1000).unref();
