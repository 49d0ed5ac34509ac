import { describe, expect, it } from 'vitest';
import { needsHook, packageOf } from '../../src/instrumentations/require-filter';

const hooked = new Set(['pg', 'pg-pool', 'amqplib', 'winston', 'http', 'https', '@scope/lib']);
const app = '/srv/shop/src/server.js';
const inPg = '/srv/shop/node_modules/pg/lib/client.js';
const inExpress = '/srv/shop/node_modules/express/lib/router/index.js';

describe('the require filter: which require() calls the instrumentations\' hook must see', () => {
  it.each([
    ['http', app, true],
    ['node:http', app, true],
    ['fs', app, true], // built-ins always (cheap for the hook: no resolution)
    ['pg', app, true],
    ['pg/lib/client.js', app, true],
    ['@scope/lib', app, true],
    ['@scope/lib/x', app, true],
    ['./connection', inPg, true], // a patched package's internal files
    ['../utils', '/srv/shop/node_modules/.pnpm/pg@8.16.3/node_modules/pg/lib/native/index.js', true],
    ['../node_modules/pg', app, true],
    ['/srv/shop/node_modules/pg/lib/index.js', app, true],
    ['file:///srv/x.js', app, true],
    ['./x', undefined, true],
    ['', app, true],
    ['express', app, false],
    ['debug', inExpress, false],
    ['@scope/other', app, false],
    ['pgx', app, false], // a name that only starts like a patched one
    ['./routes/orders', app, false],
    ['./router', inExpress, false],
    ['./thing', '/srv/shop/node_modules/pg-something/index.js', false],
  ])('%j from %s → %s', (id, parent, expected) => {
    expect(needsHook(id, parent, hooked)).toBe(expected);
  });

  it('names the package of a file by its last node_modules segment', () => {
    expect(packageOf(inPg)).toBe('pg');
    expect(packageOf('/a/node_modules/x/node_modules/@s/y/z.js')).toBe('@s/y');
    expect(packageOf('C:\\app\\node_modules\\amqplib\\lib\\channel.js')).toBe('amqplib');
    expect(packageOf(app)).toBeUndefined();
  });
});
