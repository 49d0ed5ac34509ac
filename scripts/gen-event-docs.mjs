// Writes docs/events.md from src/policy/events.json, the one schema file the code and the tests
// read. `node scripts/gen-event-docs.mjs --check` fails when the doc is out of date (run by the tests).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schema = JSON.parse(readFileSync(path.join(root, 'src/policy/events.json'), 'utf8'));
const out = [];
out.push('# The logging policy\'s event schema');
out.push('');
out.push('Generated from `src/policy/events.json` by `node scripts/gen-event-docs.mjs`; do not edit by hand.');
out.push('Every event is an OpenTelemetry log record whose event name and `event.name` attribute are the');
out.push('name below, at the level below, carrying the required attributes, the trace context and the');
out.push('business IDs (`shop.order.id`, `shop.customer.id`) of the request it belongs to, and `shop.component`.');
out.push('');
out.push('## Levels');
out.push('');
out.push('| level | OpenTelemetry severity number |');
out.push('|---|---|');
for (const [l, n] of Object.entries(schema.levels)) out.push(`| ${l} | ${n} |`);
out.push('');
out.push('## Components');
out.push('');
out.push('| `SHOP_OTEL_COMPONENT` | component | kind | default level | failure event (automatic) |');
out.push('|---|---|---|---|---|');
for (const [name, c] of Object.entries(schema.components)) out.push(`| \`${name}\` | ${c.title} | ${c.kind === 'service' ? 'a service' : 'observed by its clients'} | ${c.defaultLevel} | ${c.failureEvent ? `\`${c.failureEvent}\`` : '—'} |`);
out.push('');
out.push('## Events');
out.push('');
out.push('| event.name | level | component | required attributes | design row | emitted |');
out.push('|---|---|---|---|---|---|');
for (const [name, e] of Object.entries(schema.events)) {
  out.push(`| \`${name}\` | ${e.level} | ${e.component} | ${e.required.map((r) => `\`${r}\``).join(', ')} | ${e.design} | ${e.automatic ? `automatically: ${e.automatic}` : 'through the events API'} |`);
}
out.push('');
const text = out.join('\n');
const file = path.join(root, 'docs/events.md');
if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(file, 'utf8'); } catch {}
  if (current !== text) { console.error('docs/events.md is out of date: run node scripts/gen-event-docs.mjs'); process.exit(1); }
} else {
  writeFileSync(file, text);
}
