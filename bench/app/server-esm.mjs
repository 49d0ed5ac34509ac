// The bench service as an ESM app: its libraries imported through the ESM loader (so an import
// hook wraps them), then the same server code. Used by bench/micro/startup.mjs to measure what
// the ESM loader hook costs at start (in-thread module.registerHooks vs the off-thread loader).
import 'express';
import 'pg';
import 'amqplib';
import 'winston';
await import('./server.cjs');
