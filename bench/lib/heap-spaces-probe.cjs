// Preloaded by bench/micro/memory.mjs and memory-after-load.mjs (--require, before any variant's
// preload): once a second (or on SIGUSR2, below), the heap's totals and its spaces in use on
// stderr, so that RSS can be read as young generation, old generation, code, external memory.
'use strict';
const v8 = require('node:v8');
const fs = require('node:fs');
const mb = (x) => (x / 1048576).toFixed(1);
// HEAP_PROBE_GC=1 with --expose-gc (memory.mjs BENCH_MEMORY_GC=1): a full GC before each reading,
// so that the spaces show what is retained, and their sizes (used/capacity) what V8 keeps committed.
const collect = process.env.HEAP_PROBE_GC === '1' && typeof global.gc === 'function';
// HEAP_PROBE_ON_SIGNAL=1 (memory-after-load.mjs): one reading per SIGUSR2 and no timer, so that an
// idle app stays idle (a reading a second allocates, and lets V8's memory reducer run); each space
// as used/capacity, the capacity being what the young generation's growth changes.
const onSignal = process.env.HEAP_PROBE_ON_SIGNAL === '1';
const capacity = collect || onSignal;
// RSS split as the kernel counts it: anonymous memory (V8's heap, malloc's arenas, stacks) and
// file-backed (the node binary, shared libraries); what is anonymous and not V8's committed heap
// is malloc'd memory: ArrayBuffer backing stores, the http parser, libuv, V8's own C++ side.
function rssParts() {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return `rssAnon=${(kb('RssAnon') / 1024).toFixed(1)} rssFile=${(kb('RssFile') / 1024).toFixed(1)}`;
  } catch {
    return '';
  }
}
function report() {
  if (collect) global.gc();
  const m = process.memoryUsage();
  const spaces = v8.getHeapSpaceStatistics().filter((s) => s.space_used_size > 0 || (capacity && s.space_size > 0)).map((s) => `${s.space_name.replace('_space', '')}=${mb(s.space_used_size)}${capacity ? `/${mb(s.space_size)}` : ''}`);
  process.stderr.write(`heap-spaces heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} ${rssParts()} ${spaces.join(' ')}\n`);
}
if (onSignal) process.on('SIGUSR2', report);
else setInterval(report, 1000).unref();
