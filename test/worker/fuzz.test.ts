// Property-based fuzzing of the Worker's fetch handler: every route, method, header and body shape,
// real write bodies with one field mutated, each sent anonymously, with another user's token and with
// a read-only token. Whatever arrives: no 5xx, every error a JSON `{"error": string}`, no stack trace,
// and the local package, a user's tokens and a mirrored package are byte-identical afterwards.
// Fixed seed in CI; FUZZ_SEED and FUZZ_RUNS (vitest.config.mjs passes them in) for long local runs.
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CORGI, fetchWorker, putUpstreamPackage, settle, uniqueName } from './helpers';
import { bearer, publish, publishBody, readForWrite, signup } from './local-helpers';

const vars = env as unknown as { FUZZ_SEED?: string; FUZZ_RUNS?: string };
const SEED = Number(vars.FUZZ_SEED || 20261201);
const RUNS = Number(vars.FUZZ_RUNS || 1500);
const STACK = /\n\s+at |at [\w.<>]+ \(.*:\d+:\d+\)|\.ts:\d+:\d+/;

interface World {
  local: string;
  mirror: string;
  owner: string; // write token of the local package's owner: never sent by the fuzzer
  readonly: string; // the owner's read-only token
  other: string; // another user's write token
  bodies: Record<string, unknown>;
  rev: string;
}

let w: World;
/** Answers by status, printed at the end: a fuzz whose requests all 404 proves little. */
const tally = new Map<number, number>();

/** What must not change, read back byte for byte. */
async function snapshot(): Promise<string[]> {
  const file = (v: string) => `/${w.local}/-/${w.local}-${v}.tgz`;
  const paths: [string, Record<string, string>][] = [
    [`/${w.local}`, {}],
    [`/${w.local}`, { accept: CORGI }],
    [file('1.0.0'), {}],
    [file('1.1.0'), {}],
    ['/-/npm/v1/tokens', bearer(w.owner)],
    [`/${w.mirror}`, {}],
    [`/${w.mirror}`, { accept: CORGI }],
    [`/${w.mirror}/-/${w.mirror}-1.0.0.tgz`, {}],
  ];
  const out: string[] = [];
  for (const [path, headers] of paths) {
    const r = await fetchWorker(path, { headers });
    const bytes = new Uint8Array(await r.arrayBuffer());
    // token lists carry no time-dependent fields; documents carry none that reads change
    out.push(
      `${path} ${r.status} ${r.headers.get('etag')} ${btoa(String.fromCharCode(...bytes.subarray(0, 200_000)))}`,
    );
  }
  return out;
}

// Values a hostile client puts where strings, numbers, objects or lists belong.
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  3.5,
  '',
  ' ',
  '__proto__',
  'constructor',
  'toString',
  'x'.repeat(3000),
  '%zz',
  '\u0000',
  [],
  {},
  [1, 2],
  { toString: 1, valueOf: 1 },
  { __proto__: 1 },
  JSON.parse('{"__proto__":{"x":1}}'),
  Array.from({ length: 2000 }, (_, i) => i),
  nest(80),
];
function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const SEGMENTS = [
  '',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '%zz',
  '%',
  '%2f',
  '%2F',
  '..',
  '.',
  '-',
  '-rev',
  '@',
  '@s%2fn',
  '%40local-test%2Fx',
  'a'.repeat(215),
  'a'.repeat(1100),
  '%00',
  '%C3%A9',
  '%F0%9F%98%80',
  'latest',
  '1.0.0',
  '*',
  '>=1 <2',
  'x'.repeat(60),
  'UPPER',
  '_under',
  '.dot',
  'node_modules',
  'favicon.ico',
  '0000-01-01:9999-12-31',
  'last-week',
  'last-day',
  '2020-02-30',
  '2020-01-01:2019-01-01',
  'a,b,__proto__',
  '@s/n,x',
  'org.couchdb.user:',
  'org.couchdb.user:%zz',
  'token',
];

const segment = () =>
  fc.oneof(
    fc.constantFrom(...SEGMENTS),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(w.local, w.mirror, `@local-test/${w.local}`, `${w.local}-1.0.0.tgz`, w.rev),
  );

/** Paths of every route, with hostile pieces in every position. */
const pathArb = () =>
  fc.oneof(
    fc.constant('/-/ping'),
    segment().map((n) => `/${n}`),
    fc.tuple(segment(), segment()).map(([n, s]) => `/${n}/${s}`),
    fc.tuple(segment(), segment()).map(([n, f]) => `/${n}/-/${f}`),
    fc.tuple(segment(), segment()).map(([n, r]) => `/${n}/-rev/${r}`),
    fc.tuple(segment(), segment(), segment()).map(([n, f, r]) => `/${n}/-/${f}/-rev/${r}`),
    fc.tuple(segment(), fc.option(segment())).map(([n, t]) => `/-/package/${n}/dist-tags${t === null ? '' : `/${t}`}`),
    segment().map((u) => `/-/user/org.couchdb.user:${u}`),
    segment().map((u) => `/-/user/${u}`),
    segment().map((t) => `/-/user/token/${t}`),
    fc.constant('/-/whoami'),
    segment().map((p) => `/-/npm/v1/tokens?page=${p}`),
    fc.constant('/-/npm/v1/tokens'),
    fc
      .oneof(segment(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef-'), maxLength: 40 }))
      .map((k) => `/-/npm/v1/tokens/token/${k}`),
    fc.tuple(segment(), segment(), segment()).map(([t, s, f]) => `/-/v1/search?text=${t}&size=${s}&from=${f}`),
    fc.constant('/-/v1/login'),
    fc.constantFrom('/-/npm/v1/security/advisories/bulk', '/-/npm/v1/security/audits/quick'),
    fc
      .tuple(fc.constantFrom('point', 'range'), segment(), fc.option(segment()))
      .map(([k, p, n]) => `/downloads/${k}/${p}${n === null ? '' : `/${n}`}`),
    segment().map((n) => `/versions/${n}/last-week`),
    fc.tuple(segment(), segment()).map(([s, d]) => `/-/admin/downloads/backfill?start=${s}&days=${d}`),
    fc.constant('/-/admin/users'),
    fc
      .tuple(segment(), segment(), segment())
      .map(([a, b, c]) => `/-/admin/downloads/reshard?step=${a}&to=${b}&from=${c}`),
    // Pages (for browsers) and their forms.
    fc.constantFrom('/', '/-/web/login', '/-/web/logout', '/~'),
    fc.tuple(segment(), segment()).map(([q, p]) => `/search?q=${q}&page=${p}`),
    segment().map((n) => `/package/${n}`),
    fc.tuple(segment(), segment()).map(([n, v]) => `/package/${n}/v/${v}`),
    fc.tuple(segment(), segment()).map(([n, p]) => `/package/${n}/versions?page=${p}`),
    fc
      .tuple(segment(), fc.constantFrom('', '/tokens', '/tokens/revoke', '/two-factor'))
      .map(([u, rest]) => `/~${u}${rest}`),
    fc.array(segment(), { maxLength: 6 }).map((segs) => `/${segs.join('/')}`),
  );

/** Replaces or removes one field somewhere in a copy of `body`. */
function mutate(body: unknown, pick: number, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(body);
  const places: [Record<string, unknown>, string][] = [];
  const walk = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || depth > 4) return;
    for (const k of Object.keys(v)) {
      places.push([v as Record<string, unknown>, k]);
      walk((v as Record<string, unknown>)[k], depth + 1);
    }
  };
  walk(copy, 0);
  if (places.length === 0) return value;
  const [obj, key] = places[pick % places.length];
  if (remove) delete obj[key];
  else Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** npm's real write requests, each with one field mutated (or left as sent). */
const realWrite = () =>
  fc
    .record({
      which: fc.constantFrom(...Object.keys(w.bodies)),
      pick: fc.nat(),
      value: fc.oneof(fc.constantFrom(...HOSTILE_VALUES), fc.jsonValue({ maxDepth: 3 })),
      how: fc.constantFrom('replace', 'remove', 'as-is'),
    })
    .map(({ which, pick, value, how }) => {
      const [method, path] = which.split(' ');
      const body = how === 'as-is' ? w.bodies[which] : mutate(w.bodies[which], pick, value, how === 'remove');
      return { method, path, body: JSON.stringify(body) };
    });

const bodyArb = () =>
  fc.oneof(
    fc.constant(undefined),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('{', '{"a":', '[]', 'null', '"1.0.0"', `{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`, '\u0000'),
  );

const headerArb = () =>
  fc.record({
    authorization: fc.constantFrom(
      undefined,
      `Bearer ${w.other}`,
      `Bearer ${w.readonly}`,
      'Bearer npm_garbage',
      `Bearer ${'x'.repeat(2000)}`,
      'Basic dTpw',
      'Bearer',
    ),
    accept: fc.constantFrom(
      undefined,
      CORGI,
      'application/json',
      '*/*',
      'text/html',
      'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      `${CORGI}; q=abc, application/json;q=`,
      ';;,,',
    ),
    'if-none-match': fc.constantFrom(undefined, '*', '"x"', 'W/', ',,,'),
    'content-type': fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded'),
    cookie: fc.constantFrom(undefined, 'session=zz', `session=${'a'.repeat(64)}`, 'web_csrf=00; session=', ';;='),
    'cf-connecting-ip': fc.constantFrom(undefined, '127.0.0.1', 'not-an-ip', '::ffff:10.0.0.1'),
  });

const requestArb = () =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'),
        path: pathArb(),
        body: bodyArb(),
        headers: headerArb(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(realWrite(), headerArb())
        .map(([r, headers]) => ({ ...r, headers: { ...headers, 'content-type': 'application/json' } })),
    },
  );

async function send(req: {
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string | undefined>;
}): Promise<void> {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  const hasBody = req.body !== undefined && !['GET', 'HEAD'].includes(req.method);
  let res: Response;
  try {
    res = await fetchWorker(req.path, { method: req.method, headers, body: hasBody ? req.body : undefined });
  } catch (e) {
    // The URL itself may be one no client can send (fetch refuses it before the Worker sees it).
    if (e instanceof TypeError && /URL|url/.test(e.message)) return;
    throw e;
  }
  tally.set(res.status, (tally.get(res.status) ?? 0) + 1);
  const text = req.method === 'HEAD' ? '' : await res.text();
  const what = `${req.method} ${req.path.slice(0, 200)} → ${res.status} ${text.slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`5xx: ${what}`);
  if (STACK.test(text)) throw new Error(`stack trace in body: ${what}`);
  // A page's error is a page (for a browser); every other error is the API's JSON.
  const page = (res.headers.get('content-type') ?? '').startsWith('text/html');
  if (res.status >= 400 && req.method !== 'HEAD' && !page) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`error body is not JSON: ${what}`);
    }
    const ok =
      !!body &&
      typeof body === 'object' &&
      Object.keys(body).join() === 'error' &&
      typeof (body as { error: unknown }).error === 'string';
    if (!ok) throw new Error(`error body is not {"error": string}: ${what}`);
  }
}

describe('fuzzing every route', () => {
  beforeAll(async () => {
    const ownerName = uniqueName('fz-owner');
    const owner = await signup(ownerName);
    const other = await signup(uniqueName('fz-other'));
    const ro = await fetchWorker('/-/npm/v1/tokens', {
      method: 'POST',
      headers: { ...bearer(owner), 'content-type': 'application/json' },
      body: JSON.stringify({ password: `pw-${ownerName}`, readonly: true }),
    });
    expect(ro.status).toBe(201);
    const readonly = ((await ro.json()) as { token: string }).token;
    const local = uniqueName('fz-local');
    expect((await publish(local, '1.0.0', owner)).status).toBe(201);
    expect((await publish(local, '1.1.0', owner, { tag: 'next' })).status).toBe(201);
    const mirror = uniqueName('fz-mirror');
    await putUpstreamPackage(mirror, ['1.0.0']);
    expect((await fetchWorker(`/${mirror}`)).status).toBe(200);
    expect((await fetchWorker(`/${mirror}/-/${mirror}-1.0.0.tgz`)).status).toBe(200);
    const doc = await readForWrite(local);
    const fresh = uniqueName('fz-new');
    w = { local, mirror, owner, readonly, other, rev: doc._rev, bodies: {} };
    const withoutNext = { ...doc, versions: { '1.0.0': doc.versions['1.0.0'] }, 'dist-tags': { latest: '1.0.0' } };
    w.bodies = {
      [`PUT /${local}`]: await publishBody(local, '2.0.0'),
      [`PUT /${fresh}`]: await publishBody(fresh, '1.0.0'),
      [`PUT /${local}#deprecate`]: {
        ...doc,
        versions: { ...doc.versions, '1.0.0': { ...doc.versions['1.0.0'], deprecated: 'no' } },
      },
      [`PUT /${local}/-rev/${doc._rev}`]: withoutNext,
      [`PUT /${local}/-rev/${doc._rev}#owner`]: { ...doc, maintainers: [...doc.maintainers, { name: 'someone' }] },
      [`PUT /-/package/${local}/dist-tags/beta`]: '1.0.0',
      [`DELETE /${local}/-rev/${doc._rev}`]: {},
      'POST /-/npm/v1/tokens': { password: 'guess', readonly: false, cidr_whitelist: ['10.0.0.0/8'] },
      [`PUT /-/user/org.couchdb.user:${ownerName}`]: {
        _id: `org.couchdb.user:${ownerName}`,
        name: ownerName,
        password: 'guess',
        type: 'user',
        roles: [],
      },
      'POST /-/admin/users': { name: 'admin-made', password: 'pw' },
      'POST /-/npm/v1/security/advisories/bulk': { [local]: ['1.0.0'] },
    };
    // `#…` only tells two bodies for one route apart.
    w.bodies = Object.fromEntries(
      Object.entries(w.bodies)
        .map(([k, v]) => [k.replace(/#.*$/, ''), v])
        .map(([k, v], i) => [`${k} #${i}`, v]),
    );
    await settle();
  });

  it(`answers ${RUNS} hostile requests (seed ${SEED}) with no 5xx, JSON errors only, and loses nothing`, {
    timeout: 120_000 + RUNS * 100,
  }, async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(requestArb(), async (req) => {
        const [method, path] = [req.method, req.path.replace(/ #\d+$/, '')];
        await send({ ...req, method, path });
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    await settle();
    console.log(
      `fuzz seed=${SEED} runs=${RUNS} answers: ${[...tally]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
    expect(await snapshot()).toEqual(before);
  });
});
