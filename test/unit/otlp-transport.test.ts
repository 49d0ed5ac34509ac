import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/fixture';

// Our OTLP transport sends through node:http's own `request`, not instrumentation-http's wrapper of
// it (pipeline/otlp-transport.ts, unwrapped()): in a process of its own, with the real
// instrumentation patching node:http (and node:https) as it does under shop-otel.
describe('the OTLP transport\'s request function', () => {
  it('is node:http\'s and node:https\'s own, past instrumentation-http\'s wrappers', () => {
    const script = `
      const http = require('node:http');
      const https = require('node:https');
      const pristine = { http: http.request, https: https.request };
      const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
      new HttpInstrumentation().enable();
      require('node:http'); require('node:https'); // the require hook patches them in place
      const { unwrapped } = require('./dist/pipeline/otlp-transport.js');
      const plain = () => 1;
      console.log(JSON.stringify({
        patched: http.request !== pristine.http && https.request !== pristine.https,
        http: unwrapped(http.request) === pristine.http,
        https: unwrapped(https.request) === pristine.https,
        plain: unwrapped(plain) === plain,
        odd: unwrapped(Object.assign(() => 2, { __original: 'not a function' }))() === 2,
      }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 }));
    expect(out).toEqual({ patched: true, http: true, https: true, plain: true, odd: true });
  });
});
