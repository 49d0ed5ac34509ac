// Local stand-ins for the outside world of Alertmanager's notifications, on loopback, for the
// tests and the demo: an SMTP server (STARTTLS and AUTH required, as a real relay; npm
// smtp-server + mailparser) whose inbox is kept in memory and written as .eml files, and HTTP
// receivers recording what the Telegram Bot API, the chat webhook (Slack/Mattermost) and the SMS
// gateway would get. Each records { at, path, body } and appends one JSON line to its log file.
//   const r = await startLocalReceivers(dir); … r.telegram.messages … await r.stop();
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

/** A self-signed certificate for 127.0.0.1 (the SMTP server's STARTTLS), and its key, in `dir`. */
export function selfSignedCert(dir, cn = 'localhost') {
  const cert = path.join(dir, `${cn}.crt`);
  const key = path.join(dir, `${cn}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key };
}

/**
 * An HTTP receiver: every POST is recorded; `respond(req, body)` gives { status, json } (default
 * 200 {"ok":true}). `fail(n)` makes the next n requests answer 503 (retries are tested with it).
 */
export function startHttpRecorder(name, logFile, respond = () => ({ status: 200, json: { ok: true } })) {
  const messages = [];
  let failures = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = raw;
      try { body = JSON.parse(raw); } catch { body = Object.fromEntries(new URLSearchParams(raw)); }
      if (failures > 0) {
        failures--;
        res.writeHead(503, { 'content-type': 'application/json' });
        return res.end('{"ok":false}');
      }
      const entry = { at: new Date().toISOString(), method: req.method, path: req.url, headers: { authorization: req.headers.authorization, 'content-type': req.headers['content-type'] }, body };
      messages.push(entry);
      if (logFile) appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
      const r = respond(req, body);
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(r.json));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    resolve({
      name,
      port,
      url: `http://127.0.0.1:${port}`,
      messages,
      logFile,
      fail: (n) => { failures = n; },
      stop: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
    });
  }));
}

/** A local SMTP relay: STARTTLS required before AUTH (PLAIN/LOGIN), one user; parsed mails in `inbox`. */
export function startSmtpReceiver(dir, { user = 'alertmanager', password = 'smtp-test-password' } = {}) {
  mkdirSync(path.join(dir, 'inbox'), { recursive: true });
  const { cert, key } = selfSignedCert(dir, 'smtp');
  const inbox = [];
  const logins = [];
  const server = new SMTPServer({
    secure: false,
    key: readFileSync(key),
    cert: readFileSync(cert),
    authMethods: ['PLAIN', 'LOGIN'],
    // Refuse AUTH on a plaintext connection (smtp-server's default), and refuse mail without AUTH.
    allowInsecureAuth: false,
    authOptional: false,
    logger: false,
    disableReverseLookup: true, // no DNS here: a reverse lookup of 127.0.0.1 would only stall each session
    onAuth(auth, session, cb) {
      logins.push({ user: auth.username, tls: Boolean(session.secure) });
      if (auth.username === user && auth.password === password) return cb(null, { user });
      return cb(new Error('invalid credentials'));
    },
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        try {
          const mail = await simpleParser(raw);
          const entry = {
            at: new Date().toISOString(),
            tls: Boolean(session.secure),
            user: session.user,
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
          };
          inbox.push(entry);
          writeFileSync(path.join(dir, 'inbox', `${String(inbox.length).padStart(3, '0')}.eml`), raw);
          appendFileSync(path.join(dir, 'inbox.jsonl'), `${JSON.stringify({ at: entry.at, to: entry.to, subject: entry.subject })}\n`);
          cb();
        } catch (err) {
          cb(err);
        }
      });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.server.address();
      resolve({ port, smarthost: `127.0.0.1:${port}`, cert, user, password, inbox, logins, dir: path.join(dir, 'inbox'), stop: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/**
 * All of them. Telegram answers like the Bot API (`{"ok":true,"result":{…}}`), so Alertmanager's
 * client takes the message as sent; its path carries the bot token (/bot<token>/sendMessage).
 */
export async function startLocalReceivers(dir) {
  mkdirSync(dir, { recursive: true });
  const [smtp, telegram, chat, sms] = await Promise.all([
    startSmtpReceiver(path.join(dir, 'smtp')),
    startHttpRecorder('telegram', path.join(dir, 'telegram.jsonl'), (req, body) => ({ status: 200, json: { ok: true, result: { message_id: Date.now() % 1e6, date: Math.floor(Date.now() / 1000), chat: { id: Number(body.chat_id), type: 'group' }, text: body.text } } })),
    startHttpRecorder('chat', path.join(dir, 'chat.jsonl'), () => ({ status: 200, json: 'ok' })),
    startHttpRecorder('sms-gateway', path.join(dir, 'sms-gateway.jsonl'), () => ({ status: 200, json: { status: 'queued' } })),
  ]);
  return { smtp, telegram, chat, sms, stop: () => Promise.all([smtp.stop(), telegram.stop(), chat.stop(), sms.stop()]) };
}
