// One measurement in a fresh Node process (started by bench/run.mjs with --expose-gc), so that
// neither implementation inherits the other's heap, garbage or JIT state.
//   node --expose-gc bench/derive-child.mjs speed|peak ours|naive|quarantine|quarantine-none <file> <name>
// speed: warm up, then time repeated derivations; prints the median seconds per derivation.
// peak:  derive once and print how far resident memory rose above the loaded input (a true
//        high-water mark, not a sample), and how much the result keeps once garbage is collected.
import { readFileSync, writeFileSync } from 'node:fs';
import { naiveDerive } from './naive.mjs';

const [mode, impl, file, name] = process.argv.slice(2);
const ORIGIN = 'http://r.test';
const { derivePackument, timesOf, planVisibility } = await import('./.out/derive.mjs');

const buf = readFileSync(file);
const input = new Uint8Array(buf.buffer, buf.byteOffset, buf.length); // a view, not a copy

/**
 * ours under a one-day quarantine whose clock is set so that the three newest versions are too young
 * (`young` 3: the worst case, two passes), or none is (`young` 0: one pass and `time` parsed).
 */
function quarantined(young) {
  const DAY = 86_400_000;
  const times = Object.values(JSON.parse(buf.toString('utf8')).time ?? {})
    .map((t) => Date.parse(t))
    .filter(Number.isFinite)
    .sort((a, b) => b - a);
  const now = young ? times[Math.min(young - 1, times.length - 1)] + DAY - 1 : times[0] + DAY + 1;
  // As src/cache/packument-cache.ts does: derive, parse time, plan, and (something being hidden) derive
  // again leaving it out.
  return (input, name, origin) => {
    const d = derivePackument(input, name, origin);
    const plan = planVisibility({ ...d, times: timesOf(input, d) }, [], DAY, now);
    return plan.hidden.size ? { ...derivePackument(input, name, origin, plan), tarballs: d.tarballs } : d;
  };
}

const IMPLS = {
  ours: () => derivePackument,
  naive: () => naiveDerive,
  quarantine: () => quarantined(3),
  'quarantine-none': () => quarantined(0),
};
const run = IMPLS[impl]?.();
if (!run || !file || !name) throw new Error('usage: speed|peak ours|naive|quarantine|quarantine-none <file> <name>');

if (mode === 'speed') speed();
else if (mode === 'peak') await peak();
else throw new Error(`unknown mode ${mode}`);

function speed() {
  let sink = 0;
  const once = () => {
    const t0 = performance.now();
    const r = run(input, name, ORIGIN);
    const t = performance.now() - t0;
    sink += r.abbreviated.length; // use the result
    return t;
  };
  // Warm up: at least 2 derivations and about 0.3 s, so the optimised code is measured.
  for (let n = 0, spent = 0; n < 2 || (spent < 300 && n < 50); n++) spent += once();
  // Timed: at least 5 derivations and 1.2 s, or 3 when they take 4 s; at most 60.
  const times = [];
  let total = 0;
  while (times.length < 60) {
    const t = once();
    times.push(t);
    total += t;
    if (times.length >= 3 && total >= 4000) break;
    if (times.length >= 5 && total >= 1200) break;
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1] / 1000;
  process.stdout.write(JSON.stringify({ seconds: median, runs: times.length, sink }));
}

async function peak() {
  // Compile the code paths on a tiny document, so compilation is not counted as the document's memory.
  run(new TextEncoder().encode(`{"name":${JSON.stringify(name)},"versions":{}}`), name, ORIGIN);
  await settle();
  const heapBefore = accounted();
  const reset = resetHighWater();
  const rssBefore = process.memoryUsage.rss();

  let result = run(input, name, ORIGIN);

  const hwmAfter = highWater(); // read before anything else allocates
  // Without the reset the high-water mark may predate the call: then this is an upper bound.
  const peakBytes = hwmAfter - rssBefore;
  await settle();
  const kept = accounted() - heapBefore; // `result` is still alive here
  const outBytes = result.abbreviated.length;
  result = undefined;
  process.stdout.write(JSON.stringify({ peak: peakBytes, kept, outBytes, method: reset ? 'hwm-reset' : 'maxrss' }));
}

/** Full GCs, with pauses for V8 to free dead ArrayBuffers' backing stores (it does so in the background). */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Memory V8 accounts for: the JS heap plus off-heap memory (`external` includes ArrayBuffers). */
function accounted() {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Resets the kernel's resident high-water mark (VmHWM) to the current RSS (Linux ≥ 4.0). */
function resetHighWater() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set size so far, in bytes. */
function highWater() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
