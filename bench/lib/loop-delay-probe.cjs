// Preloaded into every variant by bench/run.mjs (--require, before the variant's own preload):
// the app's event-loop delay while the runner asks for it, over the IPC channel the runner opens.
// 'start' enables perf_hooks' monitorEventLoopDelay (1 ms resolution), 'stop' answers with its
// p50/p99/max in ms and disables it. Off between phases, so it costs nothing in the CPU windows;
// the channel is unref'd: it never holds the app open. 'heap' answers with the young
// generation's capacity (MiB, as V8 reports its new space): the runner asks beside each RSS
// reading, because V8's young generation (whether it has doubled, +32 MB, and how much of it is
// resident) moves RSS from round to round (bench/RESULTS.md, "Memory after the warm-up").
'use strict';
const { monitorEventLoopDelay } = require('node:perf_hooks');
const v8 = require('node:v8');

if (typeof process.send === 'function') {
  let h;
  process.on('message', (m) => {
    if (m === 'loop-delay:start') {
      h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
    } else if (m === 'loop-delay:stop' && h) {
      h.disable();
      process.send({ loopDelay: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, samples: h.count } });
      h = undefined;
    } else if (m === 'heap') {
      const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((sp) => [sp.space_name, sp]));
      const mib = (x) => (x ?? 0) / 1048576;
      process.send({ heap: { youngMb: mib(spaces.new_space?.space_size) } });
    }
  });
  process.channel?.unref();
}
