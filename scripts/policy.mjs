// `node scripts/policy.mjs <file> [registry-url]`: puts the block rules in <file>
// (`{"block": [{"package", "versions", "reason"}]}`) in force on a registry, replacing the ones there;
// `-` as <file> prints the rules in force instead. ADMIN_TOKEN as for the backfill script (`local`).
import { readFileSync } from 'node:fs';

const [file, url = `http://127.0.0.1:${process.env.PORT || 8787}/`] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/policy.mjs <file | -> [registry-url]');
  process.exit(2);
}
const headers = { authorization: `Bearer ${process.env.ADMIN_TOKEN || 'local'}`, 'content-type': 'application/json' };
const put = file !== '-';
let body;
if (put) {
  try {
    body = JSON.stringify(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    console.error(`cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
}
const res = await fetch(new URL('-/admin/policy', url), { method: put ? 'PUT' : 'GET', headers, body });
const answer = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
if (!res.ok) {
  console.error(`policy ${put ? 'refused' : 'unreadable'} (${res.status}): ${answer.error}`);
  process.exit(1);
}
console.log(put ? `${answer.rules} block rules in force (everywhere within 50 s)` : JSON.stringify(answer, null, 2));
