// Local search over many published packages: the real Worker, bundled, on Miniflare's workerd with a
// local D1 holding PACKAGES local packages of VERSIONS versions each (documents of a realistic shape).
// Prints the server time of a search that matches a few packages and of one that matches them all.
import { startWorker } from './worker-harness.mjs';

const PACKAGES = Number(process.env.PACKAGES ?? 1000);
const VERSIONS = Number(process.env.VERSIONS ?? 40);
let bytes = 0;
// The packages go in as rows of the table's first shape (a publish per version would take long), so
// the later migration that adds the search summaries fills them, as on a registry that had packages.
// The upstream refuses at once: answers are the local hits alone.
const { db, time, close } = await startWorker(
  'search',
  { UPSTREAM_URL: 'http://127.0.0.1:9/', LOCAL_SCOPES: '@corp' },
  async (file, db) => {
    if (file.startsWith('0004')) bytes = await insertPackages(db);
  },
);

function doc(i) {
  const name = `@corp/service-${i}`;
  const maintainers = [{ name: `dev${i % 37}`, email: `dev${i % 37}@corp.test` }];
  const versions = {};
  const time = { created: '2024-01-01T00:00:00.000Z', modified: '2025-01-01T00:00:00.000Z' };
  for (let v = 0; v < VERSIONS; v++) {
    const version = `1.${v}.0`;
    versions[version] = {
      name,
      version,
      description: `internal service number ${i}`,
      main: 'index.js',
      license: 'UNLICENSED',
      keywords: ['corp', `team-${i % 20}`],
      scripts: { test: 'vitest run', build: 'tsc -p .' },
      dependencies: Object.fromEntries(
        Array.from({ length: 12 }, (_, d) => [`@corp/lib-${(i + d) % 300}`, `^2.${d}.0`]),
      ),
      devDependencies: { typescript: '^5.4.0', vitest: '^1.6.0' },
      _id: `${name}@${version}`,
      _npmUser: maintainers[0],
      maintainers,
      _nodeVersion: '20.11.0',
      _npmVersion: '10.2.4',
      dist: {
        integrity: `sha512-${'A'.repeat(86)}==`,
        shasum: 'a'.repeat(40),
        tarball: `https://reg.corp.test/${name}/-/service-${i}-${version}.tgz`,
        fileCount: 42,
        unpackedSize: 123456,
      },
    };
    time[version] = '2024-06-01T00:00:00.000Z';
  }
  const latest = `1.${VERSIONS - 1}.0`;
  return {
    _id: name,
    name,
    'dist-tags': { latest },
    versions,
    time,
    maintainers,
    description: `internal service number ${i}`,
    keywords: ['corp', `team-${i % 20}`],
    readme: `# service ${i}\n\n${'Lorem ipsum dolor sit amet. '.repeat(150)}`,
    _rev: '1-0',
  };
}

async function insertPackages(db) {
  let bytes = 0;
  const ins = [];
  for (let i = 0; i < PACKAGES; i++) {
    const text = JSON.stringify(doc(i));
    bytes += text.length;
    ins.push(
      db
        .prepare('INSERT INTO local_packages (name, rev, doc, files, unpublished, updated) VALUES (?, 1, ?, ?, 0, 0)')
        .bind(`@corp/service-${i}`, text, '{}'),
    );
    if (ins.length === 50) await db.batch(ins.splice(0));
  }
  if (ins.length) await db.batch(ins);
  return bytes;
}

try {
  console.log(`${PACKAGES} local packages × ${VERSIONS} versions, ${(bytes / 1e6).toFixed(1)} MB of documents`);

  const [fewMs, few] = await time('/-/v1/search?text=service-77');
  console.log(
    `search matching a few (text=service-77): ${fewMs.toFixed(1)} ms per request (${few.objects.length} hits)`,
  );
  const [allMs, all] = await time('/-/v1/search?text=corp&size=250');
  console.log(
    `search matching all (text=corp, size=250): ${allMs.toFixed(1)} ms per request ` +
      `(${all.objects.length} of ${all.total})`,
  );
  const [kwMs, kw] = await time('/-/v1/search?text=keywords:team-3');
  console.log(`keyword search (keywords:team-3): ${kwMs.toFixed(1)} ms per request (${kw.objects.length} hits)`);
  const [pingMs] = await time('/-/ping');
  console.log(`(baseline: GET /-/ping through the same harness: ${pingMs.toFixed(1)} ms)`);

  // Baseline: the same few-hit search reading every whole document (json_extract over `doc`), as a
  // query straight to D1, against the Worker's query on the summaries, timed the same way.
  const naive = db
    .prepare(
      `SELECT name, json_extract(doc, '$.description') AS d FROM local_packages
    WHERE unpublished = 0 AND (name LIKE ?1 OR json_extract(doc, '$.description') LIKE ?1` +
        ` OR json_extract(doc, '$.keywords') LIKE ?1)
    ORDER BY name LIMIT 250`,
    )
    .bind('%service-77%');
  const ours = db
    .prepare(`SELECT name, summary FROM local_packages
    WHERE unpublished = 0 AND (name LIKE ?1 OR summary ->> '$.description' LIKE ?1 OR summary -> '$.keywords' LIKE ?1)
    ORDER BY name LIMIT 250`)
    .bind('%service-77%');
  const timeQuery = async (q, n = 10) => {
    await q.all();
    const t = performance.now();
    for (let i = 0; i < n; i++) await q.all();
    return (performance.now() - t) / n;
  };
  const [naiveMs, oursMs] = [await timeQuery(naive), await timeQuery(ours)];
  console.log(
    `query alone: whole documents ${naiveMs.toFixed(1)} ms, summaries ${oursMs.toFixed(1)} ms ` +
      `(${(naiveMs / oursMs).toFixed(1)}× faster)`,
  );
} finally {
  await close();
}
