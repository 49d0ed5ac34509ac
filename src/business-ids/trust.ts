import { BlockList, isIP } from 'node:net';

/**
 * The trust boundary of business IDs and baggage, both ways.
 *
 * Incoming: a request's `x-order-id` / `x-customer-id` headers and its W3C baggage (the IDs,
 * `shop.order.since`, anyone else's entries) are believed only from a trusted peer
 * (SHOP_OTEL_TRUSTED_PEERS: `amqp` — messages from the broker —, `loopback`, `private`, IP
 * addresses, CIDR ranges, `all`, `none`; default `amqp`). An edge service that faces clients
 * therefore ignores them by default; an internal service names its callers. The request's own
 * route and body always win over headers.
 *
 * Outgoing: baggage (the IDs and the debug marker among it) is sent only to internal
 * destinations — loopback, private and link-local ranges, `localhost`, single-label names
 * (`crm-api`) and cluster-internal suffixes (`.svc`, `.cluster.local`, `.internal`, `.local`) —
 * and to hosts listed in SHOP_OTEL_BAGGAGE_HOSTS (`api.partner.example`, `.partner.example` for
 * a domain and its subdomains, IPs, CIDRs, `*` for any). A destination that cannot be told is
 * not sent baggage. The trace context (`traceparent`) is sent as before.
 *
 * Address matching is node:net's BlockList (IPv4 and IPv6 ranges, no hand-written CIDR code).
 */

export const PEER_KEYWORDS = ['amqp', 'loopback', 'private', 'all', 'none'] as const;

const INTERNAL_SUFFIXES = ['.svc', '.cluster.local', '.internal', '.local', '.localhost'];

function addLoopback(list: BlockList): void {
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
}

function addPrivate(list: BlockList): void {
  list.addSubnet('10.0.0.0', 8, 'ipv4');
  list.addSubnet('172.16.0.0', 12, 'ipv4');
  list.addSubnet('192.168.0.0', 16, 'ipv4');
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT, used by some cluster networks
  list.addSubnet('fc00::', 7, 'ipv6');
  list.addSubnet('fe80::', 10, 'ipv6');
}

function rangeList(loopback: boolean, privateRanges: boolean): BlockList {
  const list = new BlockList();
  if (loopback) addLoopback(list);
  if (privateRanges) addPrivate(list);
  return list;
}

const INTERNAL_RANGES = rangeList(true, true);

/** An address as BlockList wants it: IPv4-mapped IPv6 (`::ffff:127.0.0.1`) as plain IPv4, brackets off. */
export function normalizeAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1];
  const v = isIP(a);
  if (v === 4) return { address: a, family: 'ipv4' };
  if (v === 6) return { address: a, family: 'ipv6' };
  return undefined;
}

/** Is this entry of a peer or host list well-formed? (For the configuration's diagnostics.) */
export function validListEntry(entry: string, hosts: boolean): boolean {
  const e = entry.trim().toLowerCase();
  if ((PEER_KEYWORDS as readonly string[]).includes(e) || e === '*') return true;
  if (normalizeAddress(e)) return true;
  const cidr = /^(.+)\/(\d{1,3})$/.exec(e);
  if (cidr) {
    const n = normalizeAddress(cidr[1]);
    return !!n && Number(cidr[2]) <= (n.family === 'ipv4' ? 32 : 128);
  }
  return hosts && /^\.?(?:\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(e);
}

interface Compiled {
  all: boolean;
  amqp: boolean;
  /** Any address or range listed (the default, `amqp`, lists none: no address is looked at). */
  anyRange: boolean;
  ranges: BlockList;
  hosts: Set<string>;
  suffixes: string[];
}

function compile(entries: readonly string[]): Compiled {
  const c: Compiled = { all: false, amqp: false, anyRange: false, ranges: new BlockList(), hosts: new Set(), suffixes: [] };
  for (const raw of entries) {
    const e = raw.trim().toLowerCase();
    if (e === 'all' || e === '*') c.all = true;
    else if (e === 'amqp') c.amqp = true;
    else if (e === 'loopback') {
      c.anyRange = true;
      addLoopback(c.ranges);
      c.hosts.add('localhost');
    } else if (e === 'private') {
      c.anyRange = true;
      addPrivate(c.ranges);
    } else if (e === 'none') continue;
    else {
      const cidr = /^(.+)\/(\d{1,3})$/.exec(e);
      const addr = normalizeAddress(cidr ? cidr[1] : e);
      if (addr) c.anyRange = true;
      if (addr && cidr) c.ranges.addSubnet(addr.address, Number(cidr[2]), addr.family);
      else if (addr) c.ranges.addAddress(addr.address, addr.family);
      else if (e.startsWith('*.')) c.suffixes.push(e.slice(1));
      else if (e.startsWith('.')) {
        c.suffixes.push(e);
        c.hosts.add(e.slice(1));
      } else c.hosts.add(e);
    }
  }
  return c;
}

function inRanges(list: BlockList, address: string): boolean {
  const n = normalizeAddress(address);
  return !!n && list.check(n.address, n.family);
}

/** Who may send this service business IDs and baggage. */
export class PeerTrust {
  private readonly c: Compiled;
  /**
   * Verdicts by remote address. Callers of a service are few (its clients, a proxy, a mesh
   * sidecar), and the check was 0.8 % of the bench service's CPU, on every request
   * (bench/micro/cpu-profile.mjs, Node 24): bounded, cleared when full.
   */
  private readonly cache = new Map<string, boolean>();

  constructor(entries: readonly string[]) {
    this.c = compile(entries);
  }

  /** Messages consumed from the broker. */
  get amqp(): boolean {
    return this.c.all || this.c.amqp;
  }

  /** An HTTP request from this remote address (req.socket.remoteAddress). */
  httpPeer(address: string | undefined): boolean {
    if (this.c.all) return true;
    if (!address || !this.c.anyRange) return false;
    let ok = this.cache.get(address);
    if (ok === undefined) {
      ok = inRanges(this.c.ranges, address);
      if (this.cache.size >= 256) this.cache.clear();
      this.cache.set(address, ok);
    }
    return ok;
  }
}

/** Where this service may send baggage. */
export class BaggageDestinations {
  private readonly c: Compiled;
  private readonly cache = new Map<string, boolean>();

  constructor(extra: readonly string[]) {
    this.c = compile(extra);
  }

  allowed(host: string | undefined): boolean {
    if (host === undefined || host === '') return false;
    let h = host.trim().toLowerCase();
    if (h.endsWith('.')) h = h.slice(0, -1);
    let ok = this.cache.get(h);
    if (ok === undefined) {
      ok = this.decide(h);
      if (this.cache.size > 1024) this.cache.clear();
      this.cache.set(h, ok);
    }
    return ok;
  }

  private decide(h: string): boolean {
    if (this.c.all) return true;
    const addr = normalizeAddress(h);
    if (addr) return INTERNAL_RANGES.check(addr.address, addr.family) || this.c.ranges.check(addr.address, addr.family);
    if (h === 'localhost' || !h.includes('.')) return true;
    if (INTERNAL_SUFFIXES.some((s) => h.endsWith(s))) return true;
    return this.c.hosts.has(h) || this.c.suffixes.some((s) => h.endsWith(s));
  }
}
