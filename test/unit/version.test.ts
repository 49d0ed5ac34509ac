import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIMUM_NODE, unsupportedRuntime } from '../../src/runtime';
import { VERSION } from '../../src/version';

it('VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});

describe('runtime', () => {
  it('supports Node >= 22.15 (engines in package.json say the same)', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe(`>=${MINIMUM_NODE}`);
    for (const v of ['22.15.0', '22.23.5', '24.0.0', '24.22.3', '26.1.0']) expect(unsupportedRuntime(v), v).toBeUndefined();
    for (const v of ['20.20.2', '22.14.9', '18.19.0']) expect(unsupportedRuntime(v), v).toMatch(/needs Node\.js >= 22\.15\.0 .*shop-otel 0\.1/);
  });

  it('the tests run on the Node that CI asked for (SHOP_OTEL_NODE, default 24)', () => {
    expect(process.versions.node.split('.')[0]).toBe(process.env.SHOP_OTEL_NODE ?? '24');
    expect(unsupportedRuntime()).toBeUndefined();
  });
});

it('the container image runs the Node that scripts/node.sh provisions for 24', () => {
  const root = path.join(__dirname, '..', '..');
  const pinned = /\[24\]=(24\.\d+\.\d+)/.exec(readFileSync(path.join(root, 'scripts/node.sh'), 'utf8'))?.[1];
  expect(pinned).toMatch(/^24\./);
  const froms = [...readFileSync(path.join(root, 'samples/Dockerfile'), 'utf8').matchAll(/^FROM node:(\S+?)-/gm)].map((m) => m[1]);
  expect(froms.length).toBeGreaterThan(0);
  expect(new Set(froms)).toEqual(new Set([pinned]));
});
