// Imports daily aggregates from R2 into D1: `<prefix><YYYY-MM-DD>/<run>/part-*[.gz]`, complete when
// `_SUCCESS` exists, newest complete run wins. Progress commits with each batch, so an import cut
// short resumes exactly where it stopped; a superseding run first clears the day, so it replaces.
import { addDays, isDay } from './periods';

export interface Source {
  id: number;
  prefix: string;
}

/** Aggregates at the bucket root, and this registry's own traffic under `own/`. */
export const SOURCES: Source[] = [
  { id: 0, prefix: '' },
  { id: 1, prefix: 'own/' },
];

/** Days this close to the newest day are re-listed for superseding runs on every pass. */
const RESCAN_DAYS = 35;
const LINES_PER_BATCH = 2000;
const NAMES_PER_STATEMENT = 99;
const ROWS_PER_STATEMENT = 49; // 2 bound values each, plus month and source: under D1's 100

interface Progress {
  run: string;
  state: 'clearing' | 'importing' | 'done';
  part: number;
  line: number;
  lines: number;
  skipped: number;
}

export interface ImportResult {
  day: string;
  source: number;
  run: string;
  lines: number;
  skipped: number;
  done: boolean;
}

export interface ImportOptions {
  /** Stop starting new batches after this many ms; the next trigger resumes. */
  budgetMs: number;
  /** Only these days (backfill); all when unset. */
  days?: Set<string>;
  /** Import again even days whose newest run is already imported (backfill). */
  force?: boolean;
  now?: () => number;
}

export async function importAggregates(bucket: R2Bucket, db: D1Database, opts: ImportOptions): Promise<ImportResult[]> {
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.budgetMs;
  const results: ImportResult[] = [];
  for (const source of SOURCES) {
    const days = (await listPrefixes(bucket, source.prefix)).filter(
      (d) => isDay(d) && (!opts.days || opts.days.has(d)),
    );
    if (days.length === 0) continue;
    const done = await progressOf(db, source.id);
    const newest = days[days.length - 1];
    for (const day of days) {
      const p = done.get(day);
      const recent = day >= addDays(newest, -RESCAN_DAYS);
      if (p?.state === 'done' && !recent && !opts.days) continue;
      const run = await newestCompleteRun(bucket, `${source.prefix}${day}/`);
      const finished = p?.state === 'done' && p.run === run;
      if (!run || (finished && !opts.force)) continue;
      if (now() >= deadline) return results;
      try {
        const resume = p?.run === run && !finished ? p : undefined;
        results.push(await importDay(bucket, db, source, day, run, resume, deadline, now));
      } catch (e) {
        // A corrupt part fails this run only; what is committed stays, and the next trigger retries.
        console.error(
          `import day=${day} run=${run} source=${source.id} failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      if (now() >= deadline) return results;
    }
  }
  return results;
}

async function importDay(
  bucket: R2Bucket,
  db: D1Database,
  source: Source,
  day: string,
  run: string,
  progress: Progress | undefined,
  deadline: number,
  now: () => number,
): Promise<ImportResult> {
  const started = now();
  const month = Number(day.slice(0, 4) + day.slice(5, 7));
  const col = `d${day.slice(8, 10)}`;
  let p: Progress = progress ?? { run, state: 'clearing', part: 0, line: 0, lines: 0, skipped: 0 };
  if (!progress) {
    await db
      .prepare(
        `INSERT INTO dl_imports (source, day, run, state, part, line, lines, skipped, started_at)` +
          ` VALUES (?, ?, ?, 'clearing', 0, 0, 0, 0, ?)
         ON CONFLICT (source, day) DO UPDATE SET run = excluded.run, state = 'clearing',` +
          ` part = 0, line = 0, lines = 0, skipped = 0,
         started_at = excluded.started_at, finished_at = NULL`,
      )
      .bind(source.id, day, run, started)
      .run();
  }
  if (p.state === 'clearing') {
    await db.batch([
      db
        .prepare(`UPDATE dl_months SET ${col} = 0 WHERE month = ? AND source = ? AND ${col} <> 0`)
        .bind(month, source.id),
      db.prepare('DELETE FROM dl_day_totals WHERE day = ? AND source = ?').bind(day, source.id),
      db.prepare("UPDATE dl_imports SET state = 'importing' WHERE source = ? AND day = ?").bind(source.id, day),
    ]);
    p = { ...p, state: 'importing' };
  }

  const runPrefix = `${source.prefix}${day}/${run}/`;
  const parts = (await listKeys(bucket, runPrefix)).filter((k) => /^part-/.test(k.slice(runPrefix.length))).sort();
  const startLines = p.lines;
  let batch: [string, number][] = [];
  let batchSkipped = 0;
  const flush = async (part: number, line: number) => {
    const statements = countStatements(db, batch, month, source.id, col);
    statements.push(
      db
        .prepare(
          'UPDATE dl_imports SET part = ?, line = ?, lines = lines + ?, skipped = skipped + ?' +
            ' WHERE source = ? AND day = ?',
        )
        .bind(part, line, batch.length, batchSkipped, source.id, day),
    );
    await db.batch(statements);
    p = { ...p, part, line, lines: p.lines + batch.length, skipped: p.skipped + batchSkipped };
    batch = [];
    batchSkipped = 0;
  };

  for (let part = p.part; part < parts.length; part++) {
    const obj = await bucket.get(parts[part]);
    if (!obj) throw new Error(`${parts[part]} vanished`);
    let body: ReadableStream<Uint8Array> = obj.body;
    if (parts[part].endsWith('.gz')) body = body.pipeThrough(new DecompressionStream('gzip'));
    const skip = part === p.part ? p.line : 0;
    let lineNo = 0;
    for await (const line of lines(body)) {
      lineNo++;
      if (lineNo <= skip) continue;
      const parsed = parseLine(line);
      if (parsed) batch.push(parsed);
      else if (line.trim() !== '') batchSkipped++;
      if (batch.length + batchSkipped >= LINES_PER_BATCH) {
        await flush(part, lineNo);
        if (now() >= deadline) {
          logProgress(day, run, source, p, startLines, started, now, 'paused');
          return { day, source: source.id, run, lines: p.lines, skipped: p.skipped, done: false };
        }
      }
    }
    await flush(part + 1, 0);
  }

  await db.batch([
    db
      .prepare(
        'INSERT INTO dl_day_totals (day, source, downloads)' +
          ` SELECT ?, ?, COALESCE(SUM(${col}), 0) FROM dl_months WHERE month = ? AND source = ?
         ON CONFLICT (day, source) DO UPDATE SET downloads = excluded.downloads`,
      )
      .bind(day, source.id, month, source.id),
    db
      .prepare("UPDATE dl_imports SET state = 'done', finished_at = ? WHERE source = ? AND day = ?")
      .bind(now(), source.id, day),
  ]);
  logProgress(day, run, source, p, startLines, started, now, 'done');
  return { day, source: source.id, run, lines: p.lines, skipped: p.skipped, done: true };
}

function logProgress(
  day: string,
  run: string,
  source: Source,
  p: Progress,
  startLines: number,
  started: number,
  now: () => number,
  what: string,
) {
  const secs = Math.max(0.001, (now() - started) / 1000);
  const rate = Math.round((p.lines - startLines) / secs);
  console.log(
    `import ${what} day=${day} run=${run} source=${source.id} lines=${p.lines} lines/s=${rate} skipped=${p.skipped}`,
  );
}

/** `<name> <count>`; mixed-case names and anything malformed are skipped. */
export function parseLine(line: string): [string, number] | undefined {
  const m = /^(\S+)[ \t]+(\d{1,16})\s*$/.exec(line);
  if (!m) return undefined;
  const [, name, digits] = m;
  const count = Number(digits);
  if (name !== name.toLowerCase() || !Number.isSafeInteger(count)) return undefined;
  return [name, count];
}

function countStatements(
  db: D1Database,
  rows: [string, number][],
  month: number,
  source: number,
  col: string,
): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += NAMES_PER_STATEMENT) {
    const chunk = rows.slice(i, i + NAMES_PER_STATEMENT);
    out.push(
      db
        .prepare(`INSERT OR IGNORE INTO dl_packages (name) VALUES ${chunk.map(() => '(?)').join(',')}`)
        .bind(...chunk.map((r) => r[0])),
    );
  }
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    out.push(
      db
        .prepare(
          `INSERT INTO dl_months (package_id, month, source, ${col})
           SELECT p.id, ?, ?, v.column2 FROM (VALUES ${chunk.map(() => '(?, ?)').join(',')}) AS v` +
            ` JOIN dl_packages p ON p.name = v.column1 WHERE 1
           ON CONFLICT (package_id, month, source) DO UPDATE SET ${col} = ${col} + excluded.${col}`,
        )
        .bind(month, source, ...chunk.flat()),
    );
  }
  return out;
}

async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = '';
  for await (const text of body.pipeThrough(new TextDecoderStream('utf-8', { fatal: true }))) {
    const pieces = (rest + text).split('\n');
    rest = pieces.pop()!;
    yield* pieces;
  }
  if (rest !== '') yield rest;
}

async function progressOf(db: D1Database, source: number): Promise<Map<string, Progress>> {
  const rows = await db
    .prepare('SELECT day, run, state, part, line, lines, skipped FROM dl_imports WHERE source = ?')
    .bind(source)
    .all<Progress & { day: string }>();
  return new Map(rows.results.map((r) => [r.day, r]));
}

/** The greatest run id under `dayPrefix` that has `_SUCCESS` (numeric ids compare as numbers). */
async function newestCompleteRun(bucket: R2Bucket, dayPrefix: string): Promise<string | undefined> {
  const runs = (await listPrefixes(bucket, dayPrefix)).sort(compareRuns).reverse();
  for (const run of runs) if (await bucket.head(`${dayPrefix}${run}/_SUCCESS`)) return run;
  return undefined;
}

export function compareRuns(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Child "folders" directly under `prefix`, without the trailing slash. */
async function listPrefixes(bucket: R2Bucket, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, delimiter: '/', cursor });
    for (const p of page.delimitedPrefixes) out.push(p.slice(prefix.length, -1));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out.sort();
}

async function listKeys(bucket: R2Bucket, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    for (const o of page.objects) out.push(o.key);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}
