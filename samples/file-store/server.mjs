// 3D-file storage (ESM): customers' model files on disk, each with its SHA-256 checksum.
// An admin route (ADMIN_ROUTES=1) corrupts a file without updating its checksum, so that an
// integrity problem can be produced on purpose.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import common from '../lib/common.cjs';

const { createLogger, onShutdown } = common;
const logger = createLogger('file-store');
const dir = process.env.FILE_STORE_DIR ?? path.join(os.tmpdir(), 'shop-file-store');
mkdirSync(dir, { recursive: true });
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const safe = (id) => /^[A-Za-z0-9._-]{1,100}$/.test(id) && !id.startsWith('.');

for (let i = 1; i <= 10; i++) {
  const id = `model-${String(i).padStart(4, '0')}.stl`;
  if (!existsSync(path.join(dir, id))) {
    const body = Buffer.from(`solid model${i}\n${'facet normal 0 0 1\n'.repeat(50 + i * 10)}endsolid model${i}\n`);
    writeFileSync(path.join(dir, id), body);
    writeFileSync(path.join(dir, `${id}.sha256`), sha256(body));
  }
}

const app = express();
app.get('/files/:fileId', (req, res) => {
  const id = req.params.fileId;
  if (!safe(id) || !existsSync(path.join(dir, id))) {
    logger.warn('file not found', { fileId: id });
    return res.status(404).json({ error: 'no such file' });
  }
  const body = readFileSync(path.join(dir, id));
  res.set('x-checksum-sha256', readFileSync(path.join(dir, `${id}.sha256`), 'utf8')).type('model/stl').send(body);
});
app.put('/files/:fileId', express.raw({ type: '*/*', limit: '20mb' }), (req, res) => {
  const id = req.params.fileId;
  if (!safe(id)) return res.status(400).json({ error: 'bad file id' });
  writeFileSync(path.join(dir, id), req.body);
  writeFileSync(path.join(dir, `${id}.sha256`), sha256(req.body));
  logger.info('file stored', { fileId: id, bytes: req.body.length });
  res.status(201).json({ fileId: id, sha256: sha256(req.body) });
});
if (process.env.ADMIN_ROUTES === '1') {
  app.post('/admin/corrupt/:fileId', (req, res) => {
    const p = path.join(dir, req.params.fileId);
    if (!safe(req.params.fileId) || !existsSync(p)) return res.status(404).end();
    writeFileSync(p, Buffer.concat([readFileSync(p), Buffer.from('garbage')]));
    res.json({ corrupted: req.params.fileId });
  });
  app.post('/admin/repair/:fileId', (req, res) => {
    const p = path.join(dir, req.params.fileId);
    if (!safe(req.params.fileId) || !existsSync(p)) return res.status(404).end();
    writeFileSync(`${p}.sha256`, sha256(readFileSync(p)));
    res.json({ repaired: req.params.fileId });
  });
}
app.get('/health', (req, res) => res.send('ok'));
const port = Number(process.env.PORT ?? 3003);
const server = app.listen(port, '127.0.0.1', () => logger.info('file-store listening', { port }));
onShutdown(logger, [() => new Promise((r) => server.close(r))]);
