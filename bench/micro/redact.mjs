// Micro-benchmark: the redactor's cost per record on ordinary and on adversarial text, and how it
// scales with the input (the linearity the test test/unit/redactor-bounds.test.ts bounds; the
// figures themselves live here, not in a timed test). Usage:
//   node bench/micro/redact.mjs [runs]        (after `npm run build`)
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { Redactor } = require('../../dist/privacy/redactor.js');

const runs = Number(process.argv[2] ?? 7);
const KB = 1024;
const fill = (unit, n) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const inputs = {
  'plain text': (n) => fill('the order was shipped to the customer on time ', n),
  'a log line with IDs': (n) => fill('order ord_abc123 for cust-0042 created, 3 items, total 4 990.00 RUB; ', n),
  'local-part run, then @': (n) => `${fill('a.b_c', n - 1)}@`,
  'many @ without a domain': (n) => fill('a@', n),
  'JWT starts without dots': (n) => fill('-eyJ', n),
  'digits and separators': (n) => fill('1 2-', n),
  'secret pairs without values': (n) => fill('password=', n),
  'percent-encoded run': (n) => `${fill('%41', n - 1)}@`,
  'bearer without token': (n) => fill('Bearer ', n),
};
function best(fn) {
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    b = Math.min(b, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return b;
}
const unbounded = new Redactor(true, [], { maxValueLength: 1 << 30, maxBodyLength: 1 << 30 });
const capped = new Redactor(true); // the default: values cut to 8192 characters first
const sizes = [16, 64, 256, 1024];
console.log(`node ${process.version}, best of ${runs}; ms per string (no length cap), and with the default 8192-character cap`);
console.log(['input', ...sizes.map((s) => `${s} KB`), '1 MB/256 KB', 'capped 1 MB'].join(' | '));
for (const [name, make] of Object.entries(inputs)) {
  const row = sizes.map((s) => best(() => unbounded.redactString(make(s * KB))));
  const c = best(() => capped.redactString(make(1024 * KB)));
  console.log([name, ...row.map((x) => x.toFixed(2)), (row[3] / row[2]).toFixed(1), c.toFixed(3)].join(' | '));
}
// Per record at the sizes a record really has.
const line = 'order ord_abc123 created for cust-0042 (jane.doe@example.com, +7 912 345 67 89), token=abc123';
const n = 20000;
const t = process.hrtime.bigint();
for (let i = 0; i < n; i++) capped.redactString(line + i);
console.log(`a ${line.length}-character log line with an e-mail, a phone and a token: ${(Number(process.hrtime.bigint() - t) / 1e3 / n).toFixed(2)} µs`);
