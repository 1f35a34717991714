// npm start's one way to the terminal: a token bucket of lines, each cut to a length, so a runtime that
// logs in a loop (wrangler dev once wrote 1.3 GB of "Too many open files" in five minutes) costs at most
// `perSecond` lines of `maxLength` a second, plus one line every `reportEvery` ms saying how many were dropped.

/** Returns { line(text), pipe(readable, prefix), close() }. */
export function limitedLog({
  perSecond = 20,
  burst = 200,
  maxLength = 2000,
  reportEvery = 10_000,
  write = (s) => process.stderr.write(s),
} = {}) {
  let tokens = burst;
  let last = Date.now();
  let dropped = 0;

  const line = (text) => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * perSecond);
    last = now;
    if (tokens < 1) {
      dropped++;
      return;
    }
    tokens--;
    const s = String(text);
    write(`${s.length > maxLength ? `${s.slice(0, maxLength)} … (${s.length - maxLength} more characters)` : s}\n`);
  };

  const report = () => {
    if (dropped)
      write(
        `npm start: ${dropped} log lines dropped in the last ${reportEvery / 1000} s (over ${perSecond} a second)\n`,
      );
    dropped = 0;
  };
  const timer = setInterval(report, reportEvery);
  timer.unref();

  // Split a stream into lines without holding an endless one: past maxLength the rest of a line is dropped.
  const pipe = (readable, prefix = '') => {
    let partial = '';
    let skipping = false;
    readable.setEncoding('utf8');
    readable.on('data', (chunk) => {
      const parts = chunk.split('\n');
      for (let i = 0; i < parts.length - 1; i++) {
        if (!skipping) line(prefix + partial + parts[i]);
        partial = '';
        skipping = false;
      }
      if (skipping) return;
      partial += parts[parts.length - 1];
      if (partial.length > maxLength) {
        line(prefix + partial);
        partial = '';
        skipping = true;
      }
    });
    readable.on('end', () => partial && !skipping && line(prefix + partial));
  };

  const close = () => {
    clearInterval(timer);
    report();
  };
  return { line, pipe, close };
}
