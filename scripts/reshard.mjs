// `node scripts/reshard.mjs copy|prune N [registry-url]`: moves download counts to N shards
// (src/downloads/shards.ts), calling the registry a page of packages at a time, shard by shard.
// The procedure: `copy N`, set DOWNLOAD_SHARDS=N (with bindings DOWNLOADS_1…), `copy N` again (what was
// imported meanwhile), then `prune N`. The token is ADMIN_TOKEN (default `local`, what `npm start` uses).
const [step, to, url = `http://127.0.0.1:${process.env.PORT || 8787}/`] = process.argv.slice(2);
if ((step !== 'copy' && step !== 'prune') || !/^\d+$/.test(to ?? '')) {
  console.error('usage: node scripts/reshard.mjs copy|prune N [registry-url]');
  process.exit(2);
}
const token = process.env.ADMIN_TOKEN || 'local';
let total = 0;
// Every shard that may hold packages: the new ones, and the old ones if there were more.
for (let from = 0; ; from++) {
  let after = '';
  for (;;) {
    const q = new URLSearchParams({ step, to, from: String(from), after });
    const res = await fetch(new URL(`-/admin/downloads/reshard?${q}`, url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await res.json();
    if (res.status === 400 && from > 0 && /^from must be/.test(body.error)) {
      console.log(`${step} to ${to} shards done: ${total} packages`);
      process.exit(0);
    }
    if (!res.ok) {
      console.error(`reshard failed (${res.status}): ${body.error}`);
      process.exit(1);
    }
    total += body.packages;
    if (body.next === null) break;
    after = body.next;
  }
  console.log(`shard ${from}: ${step} done (${total} packages so far)`);
}
