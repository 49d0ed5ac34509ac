import net from 'node:net';

// A missing service is a failed set-up, not a skip: `npm test` starts them (scripts/services.sh);
// here we only refuse to run without them, naming what is missing.
function reachable(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export default async function setup(): Promise<void> {
  const services: Array<[string, string, number]> = [
    ['PostgreSQL', process.env.PGHOST ?? '127.0.0.1', Number(process.env.PGPORT ?? 5432)],
    ['RabbitMQ', '127.0.0.1', Number(process.env.AMQP_PORT ?? 5672)],
  ];
  const missing: string[] = [];
  for (const [name, host, port] of services) {
    if (!(await reachable(host, port))) missing.push(`${name} on ${host}:${port}`);
  }
  if (missing.length) {
    throw new Error(`Test services are not running: ${missing.join(', ')}. Run \`bash scripts/services.sh\` (npm test does).`);
  }
}
