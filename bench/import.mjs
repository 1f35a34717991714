// Import of a synthetic 1.5 M-line day into local D1 (the real Worker, bundled, on Miniflare's
// workerd), bytes per package-day on disk, and server time of a 549-day range and a 128-name bulk query.
import { startWorker } from './worker-harness.mjs';

const LINES = Number(process.env.LINES ?? 1_500_000);
const { mf, db, time, sqliteBytes, close } = await startWorker('import', {
  UPSTREAM_URL: 'http://127.0.0.1:9/',
  IMPORT_BUDGET: '3600',
});
try {
  const bucket = await mf.getR2Bucket('AGGREGATES');
  const lines = [];
  for (let i = 0; i < LINES; i++) lines.push(`package-${i.toString(36)} ${(i * 7919) % 100000}`);
  const text = lines.join('\n');
  const parts = 8;
  const per = Math.ceil(LINES / parts);
  for (let p = 0; p < parts; p++)
    await bucket.put(`2020-01-15/1/part-${String(p).padStart(5, '0')}`, lines.slice(p * per, (p + 1) * per).join('\n'));
  await bucket.put('2020-01-15/1/_SUCCESS', '');
  console.log(`synthetic day: ${LINES} lines, ${(text.length / 1e6).toFixed(1)} MB in ${parts} parts`);
  const before = sqliteBytes();

  const worker = await mf.getWorker();
  const t0 = performance.now();
  await worker.scheduled({ cron: '0 * * * *' });
  const secs = (performance.now() - t0) / 1000;
  const imported = await db.prepare("SELECT lines FROM dl_imports WHERE day = '2020-01-15'").first();
  console.log(
    `import: ${imported.lines} lines in ${secs.toFixed(1)} s = ${Math.round(imported.lines / secs)} lines/s ` +
      '(target: under 60 s)',
  );

  // a second day of the same packages lands in the same month rows
  const afterOne = sqliteBytes();
  const sizes = await db.prepare('SELECT COUNT(*) AS rows FROM dl_months').first();
  console.log(
    `D1 file: ${((afterOne - before) / 1e6).toFixed(1)} MB for ${sizes.rows} package-month rows after one day`,
  );

  // Fill one month of days for every package (the layout's steady state), then measure bytes/package-day.
  const cols = Array.from({ length: 31 }, (_, i) => `d${String(i + 1).padStart(2, '0')}`);
  await db
    .prepare(`UPDATE dl_months SET ${cols.map((c, i) => `${c} = (package_id * ${i + 3}) % 5000`).join(', ')}`)
    .run();
  const full = sqliteBytes() - before;
  const perDay = full / (sizes.rows * 31);
  console.log(
    `full month: ${(full / 1e6).toFixed(1)} MB for ${sizes.rows} packages × 31 days = ` +
      `${perDay.toFixed(2)} bytes per package-day`,
  );
  const projected = perDay * 1.5e6 * 549;
  console.log(`projection, 1.5 M packages × 549 days: ${(projected / 1e9).toFixed(2)} GB (D1 limit 10 GB)`);

  // queries: one package with 19 months of data, and 128 names in bulk
  await db.prepare(`INSERT INTO dl_packages (name) VALUES ('busy')`).run();
  for (let y = 2018; y <= 2020; y++)
    for (let m = 1; m <= 12; m++) {
      await db
        .prepare(
          `INSERT INTO dl_months (package_id, month, source, ${cols.join(',')})` +
            ` SELECT id, ?, 0, ${cols.map(() => '1000').join(',')} FROM dl_packages WHERE name = 'busy'`,
        )
        .bind(y * 100 + m)
        .run();
    }
  const [rangeMs, range] = await time('/downloads/range/2018-07-01:2019-12-31/busy');
  console.log(
    `549-day range query, one package: ${rangeMs.toFixed(1)} ms per request (${range.downloads.length} days)`,
  );
  const names = Array.from({ length: 128 }, (_, i) => `package-${(i * 1013).toString(36)}`).join(',');
  const [bulkMs, bulk] = await time(`/downloads/point/2020-01-01:2020-01-31/${names}`);
  console.log(
    `128-name bulk point query: ${bulkMs.toFixed(1)} ms per request ` +
      `(${Object.values(bulk).filter(Boolean).length} found)`,
  );
  const [pingMs] = await time('/-/ping');
  console.log(`(baseline: GET /-/ping through the same harness: ${pingMs.toFixed(1)} ms)`);
} finally {
  await close();
}
