// The API's contexts: BaseContext as installed and as the build ships it (every setValue copies the
// parent's Map, by forEach; scripts/bundle/otel-patches.mjs) against a chain (each setValue one node pointing at its
// parent, flattened into a Map past 8 levels), the candidate sized and not taken in
// bench/RESULTS.md ("What the ledger kept alive"). One request-shaped unit: 5 setValue (scope,
// span, RPC metadata at the server; a pg and an amqplib span) and 22 getValue. ns per unit,
// alternating rounds, medians. No services needed.
//   node bench/micro/context-chain.mjs [rounds]
import { loadPackageModule } from '../../scripts/bundle/otel-patches.mjs';

const ROUNDS = Number(process.argv[2] ?? 5);
const N = 500_000;
const shipped = loadPackageModule('@opentelemetry/api', 'context/context.cjs', true).ROOT_CONTEXT;
// The API as installed: closures per context, and the parent's Map copied through its iterator.
const installed = loadPackageModule('@opentelemetry/api', 'context/context.cjs', false).ROOT_CONTEXT;

const DELETED = Symbol('deleted');
const MAX_DEPTH = 8;
function getValue(key) {
  let c = this;
  while (c._flat === undefined) {
    if (c._key === key) return c._value === DELETED ? undefined : c._value;
    c = c._parent;
  }
  return c._flat.get(key);
}
function setValue(key, value) {
  return new this.constructor(this, key, value);
}
function deleteValue(key) {
  return new this.constructor(this, key, DELETED);
}
const chain = new (class ChainContext {
  constructor(parent, key, value) {
    this._flat = undefined;
    this._parent = undefined;
    this._key = undefined;
    this._value = undefined;
    this._depth = 0;
    if (parent === undefined) this._flat = new Map();
    else if (parent._depth >= MAX_DEPTH) {
      const m = new Map();
      for (let c = parent; ; c = c._parent) {
        if (c._flat !== undefined) {
          for (const [k, v] of c._flat) if (!m.has(k)) m.set(k, v);
          break;
        }
        if (!m.has(c._key)) m.set(c._key, c._value);
      }
      m.set(key, value);
      for (const [k, v] of m) if (v === DELETED) m.delete(k);
      this._flat = m;
    } else {
      this._parent = parent;
      this._key = key;
      this._value = value;
      this._depth = parent._depth + 1;
    }
    this.getValue = getValue.bind(this);
    this.setValue = setValue.bind(this);
    this.deleteValue = deleteValue.bind(this);
  }
})();

const keys = ['span', 'rpc', 'scope', 'baggage'].map((k) => Symbol.for(`context-chain.${k}`));
function unit(root) {
  let c = root.setValue(keys[2], {});
  c = c.setValue(keys[0], {});
  c = c.setValue(keys[1], {});
  let found = 0;
  for (let i = 0; i < 20; i++) if (c.getValue(keys[i % 4]) !== undefined) found++;
  const pg = c.setValue(keys[0], {});
  const amqp = c.setValue(keys[0], {});
  return found + (pg.getValue(keys[2]) ? 1 : 0) + (amqp.getValue(keys[0]) ? 1 : 0);
}
const variants = { 'installed API': installed, 'Map copy (shipped)': shipped, chain };
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const [name, root] of Object.entries(variants)) {
    const t = process.hrtime.bigint();
    let s = 0;
    for (let i = 0; i < N; i++) s += unit(root);
    if (s !== N * 17) throw new Error(`${name}: wrong answers (${s})`);
    if (r > 0) res[name].push(Number(process.hrtime.bigint() - t) / N);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`node ${process.version}, ${ROUNDS} rounds of ${N} request-shaped units (5 setValue, 22 getValue), medians`);
for (const [name, xs] of Object.entries(res)) console.log(`${name.padEnd(20)} ${median(xs).toFixed(0)} ns per unit; rounds ${xs.map((x) => x.toFixed(0)).join(' ')}`);
