// Preloaded by bench/soak.mjs (--require, before shop-otel): every 5 s, the app's heap in use
// (JS heap + external + array buffers) on stderr, so that the soak can tell a leak (heap grows)
// from the allocator keeping freed pages (RSS grows, heap flat). Unref'd: holds nothing open.
'use strict';
setInterval(() => {
  const m = process.memoryUsage();
  process.stderr.write(`heap-probe ${m.heapUsed + m.external + m.arrayBuffers}\n`);
}, 5000).unref();
