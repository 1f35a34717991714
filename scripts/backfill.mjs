// `node scripts/backfill.mjs YYYY-MM-DD N [registry-url]`: imports N days of download aggregates
// from START again, calling the registry until it reports the range complete.
// The token is ADMIN_TOKEN (default `local`, what `npm start` uses); the URL defaults to npm start's.
const [start, days = '1', url = `http://127.0.0.1:${process.env.PORT || 8787}/`] = process.argv.slice(2);
if (!/^\d{4}-\d{2}-\d{2}$/.test(start ?? '')) {
  console.error('usage: node scripts/backfill.mjs YYYY-MM-DD N [registry-url]');
  process.exit(2);
}
const token = process.env.ADMIN_TOKEN || 'local';
let after = '';
for (;;) {
  const q = new URLSearchParams({ start, days, ...(after ? { after } : {}) });
  const res = await fetch(new URL(`-/admin/downloads/backfill?${q}`, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await res.json();
  if (!res.ok) {
    console.error(`backfill failed (${res.status}): ${body.error}`);
    process.exit(1);
  }
  for (const r of body.results)
    console.log(
      `${r.day} source=${r.source} run=${r.run} lines=${r.lines} skipped=${r.skipped}${r.done ? '' : ' (continuing)'}`,
    );
  if (body.complete) break;
  after = body.after ?? after;
}
console.log('backfill complete');
