// Ports for the processes the tests, the demo and the benchmarks start on loopback.
import net from 'node:net';

function canBind(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const handedOut = new Set();
/**
 * A port for a process we are about to start. Not one from listen(0): those come from the
 * kernel's ephemeral range (32768–60999), which outgoing connections (to PostgreSQL, RabbitMQ,
 * the collector) draw their source ports from too, so between our check and the child's bind one
 * of them could take it (seen: EADDRINUSE under a full suite). Below that range nothing is
 * assigned behind our back; a port is never handed out twice by this process, and
 * its callers retry on a collision with another process (scripts/alerting/alerting-stack.mjs).
 */
export async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port in 20000-31999');
}
