// Reading a process's CPU time and memory from /proc (Linux).
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 10; // getconf CLK_TCK = 100 on Linux x86-64 and arm64

/** utime + stime of all the process's threads, in ms (10 ms resolution). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS; // fields 14 and 15 of stat(5)
}

/** On-CPU time of all live threads from schedstat, in ms (ns resolution): for small deltas. */
export function cpuFineMs(pid) {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // thread ended between readdir and read
    }
  }
  return ns / 1e6;
}

/**
 * On-CPU time by thread name (/proc/<pid>/task/<tid>/comm: `node` is the main thread; V8's
 * platform workers, libuv's pool and Node's own threads have names of their own), in ms. The
 * CPU profiler sees the main thread only: this is how the rest of a harness's figure is found.
 */
export function cpuByThreadMs(pid) {
  const out = {};
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      const name = t === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
      out[name] = (out[name] ?? 0) + ns / 1e6;
    } catch {
      // thread ended between readdir and read
    }
  }
  return out;
}

/** Resident set size in MB. */
export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown';
  const mem = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  return { model, memGb: mem ? Math.round(Number(mem[1]) / 1024 / 1024) : NaN, kernel };
}
