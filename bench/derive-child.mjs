// One measurement in a fresh process: how far resident memory rises above the loaded input while
// deriving once. A second thread samples RSS every millisecond, since V8 cannot be asked mid-call.
// argv: impl (ours|naive) file name
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { naiveDerive } from './naive.mjs';

const [impl, file, name] = process.argv.slice(2);
const { derivePackument } = await import('./.out/derive.mjs');
const run = impl === 'ours' ? derivePackument : naiveDerive;
// warm the code on a tiny document so compilation is not counted as the document's memory
run(new TextEncoder().encode(`{"name":${JSON.stringify(name)},"versions":{}}`), name, 'http://r.test');

const shared = new Float64Array(new SharedArrayBuffer(16)); // [0] stop flag, [1] max RSS seen
const sampler = new Worker(
  `const { workerData: s } = require('node:worker_threads');
   const nap = new Int32Array(new SharedArrayBuffer(4));
   while (s[0] === 0) { const r = process.memoryUsage.rss(); if (r > s[1]) s[1] = r; Atomics.wait(nap, 0, 0, 1); }`,
  { eval: true, workerData: shared },
);
await new Promise((r) => sampler.once('online', r));

const buf = readFileSync(file);
const input = new Uint8Array(buf.buffer, buf.byteOffset, buf.length); // a view, not a copy
globalThis.gc();
await new Promise((r) => setTimeout(r, 20));
const base = process.memoryUsage.rss();
shared[1] = base;
const result = run(input, name, 'http://r.test');
await new Promise((r) => setTimeout(r, 5));
shared[0] = 1;
await sampler.terminate();
const peak = Math.max(shared[1], process.memoryUsage.rss()) - base;
process.stdout.write(JSON.stringify({ peak, outBytes: result.abbreviated.length }));
