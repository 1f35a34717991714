// The registry's own isolate, seen through workerd's V8 inspector (Miniflare's `inspectorPort`): its heap
// and ArrayBuffer memory, which is what the 128 MB isolate limit counts, apart from the other workers and
// the local KV/R2/D1/Cache services that share the workerd process.
import WebSocket from 'ws';

export { freePort } from '../test/support/free-port.mjs';

/**
 * Connects to the inspector of the worker named `worker` (Miniflare's first worker is `core:user:`).
 * `poke()` makes the isolate run (a request to it): workerd handles a garbage collection asked over the
 * inspector only when the isolate next runs, so a sample pokes it until the collection is done.
 */
export async function inspect(port, poke, worker = 'core:user:') {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/${worker}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let next = 0;
  const pending = new Map();
  ws.on('message', (m) => {
    const msg = JSON.parse(m);
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${msg.error.message} (${msg.error.code})`));
    else p.resolve(msg.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  /**
   * The isolate's live memory in MB, right after a full garbage collection (as the isolate limit is
   * enforced): V8's heap in use plus ArrayBuffer backing stores.
   */
  const memory = async () => {
    let done = false;
    const gc = send('HeapProfiler.collectGarbage').finally(() => (done = true));
    // The request may run before the isolate took the message: poke until it answers.
    while (!done) await Promise.race([gc, poke().then(() => new Promise((r) => setTimeout(r, 20)))]);
    const u = await send('Runtime.getHeapUsage');
    return { heap: u.usedSize / 2 ** 20, buffers: (u.backingStorageSize ?? 0) / 2 ** 20 };
  };
  /**
   * Samples memory() back to back (at most every `ms`) while `work` runs; returns { result, peak, heapPeak,
   * buffersPeak, samples } in MB. A sample waits for the isolate's thread, so a peak inside one long
   * synchronous step can fall between samples; the buffers it made are still held at the next one.
   */
  const watch = async (work, ms = 50) => {
    let run = true;
    const seen = { peak: 0, heapPeak: 0, buffersPeak: 0, samples: 0 };
    const sampler = (async () => {
      while (run) {
        if (held) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const m = await memory();
        seen.peak = Math.max(seen.peak, m.heap + m.buffers);
        seen.heapPeak = Math.max(seen.heapPeak, m.heap);
        seen.buffersPeak = Math.max(seen.buffersPeak, m.buffers);
        seen.samples++;
        await new Promise((r) => setTimeout(r, ms));
      }
    })();
    try {
      const result = await work();
      run = false;
      await sampler;
      return { result, ...seen };
    } finally {
      run = false;
    }
  };
  let held = false;
  /** Runs `f` with sampling suspended (its pokes and collections would keep workerd from looking idle). */
  const quietly = async (f) => {
    held = true;
    try {
      return await f();
    } finally {
      held = false;
    }
  };
  return { send, memory, watch, quietly, close: () => ws.close() };
}
