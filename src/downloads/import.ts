// Imports daily aggregates from R2 into D1: `<prefix><YYYY-MM-DD>/<run>/part-*[.gz]`, complete when
// `_SUCCESS` exists, newest complete run wins. Progress commits with each batch, so an import cut
// short resumes exactly where it stopped; a superseding run first clears the day, so it replaces.
import { addDays, isDay } from './periods';
import { shardOf } from './shards';

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
/**
 * Lines per round: each shard commits its share of them, with its progress, in one batch of three
 * statements, so a 4 M-line day costs about 40 × (3 per shard + 1) statements, well within D1's 1,000
 * queries per invocation.
 */
const LINES_PER_BATCH = 100_000;
/** Lines per pair of statements (a JSON value of about 1.3 MB, within D1's 2 MB per value). */
const ROWS_PER_STATEMENT = 50_000;
const LOG_EVERY_MS = 5_000;

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
  /** Lines per round (tests make rounds small). */
  batchLines?: number;
}

/** `db`: the registry's database (progress, day totals); `shards`: where the counts go (src/downloads/shards.ts). */
export async function importAggregates(
  bucket: R2Bucket,
  db: D1Database,
  shards: D1Database[],
  opts: ImportOptions,
): Promise<ImportResult[]> {
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
        const batchLines = opts.batchLines ?? LINES_PER_BATCH;
        results.push(await importDay(bucket, db, shards, source, day, run, resume, deadline, now, batchLines));
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

/** Where a shard's import of a day stands (its own table, committed with its rows). */
interface ShardProgress {
  part: number;
  line: number;
  lines: number;
  skipped: number;
}

async function importDay(
  bucket: R2Bucket,
  db: D1Database,
  shards: D1Database[],
  source: Source,
  day: string,
  run: string,
  progress: Progress | undefined,
  deadline: number,
  now: () => number,
  batchLines: number,
): Promise<ImportResult> {
  const started = now();
  const month = Number(day.slice(0, 4) + day.slice(5, 7));
  const col = `d${day.slice(8, 10)}`;
  const state = progress?.state ?? 'clearing';
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
  // A shard whose progress is of another run (or that was being cleared) is cleared and starts over.
  const pos = await Promise.all(
    shards.map(async (shard) => {
      const p = await shard
        .prepare('SELECT run, part, line, lines, skipped FROM dl_shard_progress WHERE source = ? AND day = ?')
        .bind(source.id, day)
        .first<ShardProgress & { run: string }>();
      if (state !== 'clearing' && p?.run === run) return p;
      await shard.batch([
        shard
          .prepare(`UPDATE dl_months SET ${col} = 0 WHERE month = ? AND source = ? AND ${col} <> 0`)
          .bind(month, source.id),
        shard
          .prepare(
            'INSERT INTO dl_shard_progress (source, day, run, part, line, lines, skipped)' +
              ' VALUES (?, ?, ?, 0, 0, 0, 0) ON CONFLICT (source, day)' +
              ' DO UPDATE SET run = excluded.run, part = 0, line = 0, lines = 0, skipped = 0',
          )
          .bind(source.id, day, run),
      ]);
      return { part: 0, line: 0, lines: 0, skipped: 0 };
    }),
  );
  if (state === 'clearing')
    await db.batch([
      db.prepare('DELETE FROM dl_day_totals WHERE day = ? AND source = ?').bind(day, source.id),
      db.prepare("UPDATE dl_imports SET state = 'importing' WHERE source = ? AND day = ?").bind(source.id, day),
    ]);

  const runPrefix = `${source.prefix}${day}/${run}/`;
  const parts = (await listObjects(bucket, runPrefix))
    .filter((o) => /^part-/.test(o.key.slice(runPrefix.length)))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  const stored = parts.reduce((n, o) => n + o.size, 0);
  const log = new ProgressLog(day, run, source, stored, sum(pos, 'lines'), started, now);
  // Every line belongs to one shard (a skipped one to shard 0); each shard resumes after its own position.
  const applied = (s: number, part: number, line: number) =>
    part < pos[s].part || (part === pos[s].part && line <= pos[s].line);
  let pending: [string, number][][] = shards.map(() => []);
  let pendingLines = 0;
  let pendingSkipped = 0;
  const flush = async (part: number, line: number) => {
    await Promise.all(
      shards.map((shard, s) => {
        const rows = pending[s];
        const skipped = s === 0 ? pendingSkipped : 0;
        return shard.batch([
          ...countStatements(shard, rows, month, source.id, col),
          shard
            .prepare(
              'UPDATE dl_shard_progress SET part = ?, line = ?, lines = lines + ?, skipped = skipped + ?' +
                ' WHERE source = ? AND day = ?',
            )
            .bind(part, line, rows.length, skipped, source.id, day),
        ]);
      }),
    );
    pending.forEach((rows, s) => {
      pos[s] = {
        part,
        line,
        lines: pos[s].lines + rows.length,
        skipped: pos[s].skipped + (s === 0 ? pendingSkipped : 0),
      };
    });
    pending = shards.map(() => []);
    pendingLines = 0;
    pendingSkipped = 0;
    await db
      .prepare('UPDATE dl_imports SET part = ?, line = ?, lines = ?, skipped = ? WHERE source = ? AND day = ?')
      .bind(part, line, sum(pos, 'lines'), sum(pos, 'skipped'), source.id, day)
      .run();
    log.tick(sum(pos, 'lines'));
  };

  const firstPart = Math.min(...pos.map((p) => p.part));
  log.read = parts.slice(0, firstPart).reduce((n, o) => n + o.size, 0);
  for (let part = firstPart; part < parts.length; part++) {
    const obj = await bucket.get(parts[part].key);
    if (!obj) throw new Error(`${parts[part].key} vanished`);
    let body: ReadableStream<Uint8Array> = obj.body.pipeThrough(log.counter());
    if (parts[part].key.endsWith('.gz')) body = body.pipeThrough(new DecompressionStream('gzip'));
    let lineNo = 0;
    for await (const line of lines(body)) {
      lineNo++;
      const parsed = parseLine(line);
      if (parsed) {
        const s = shardOf(parsed[0], shards.length);
        if (applied(s, part, lineNo)) continue;
        pending[s].push(parsed);
        pendingLines++;
      } else if (line.trim() !== '' && !applied(0, part, lineNo)) pendingSkipped++;
      if (pendingLines + pendingSkipped >= batchLines) {
        await flush(part, lineNo);
        if (now() >= deadline) {
          log.line('paused', sum(pos, 'lines'), sum(pos, 'skipped'));
          return { day, source: source.id, run, lines: sum(pos, 'lines'), skipped: sum(pos, 'skipped'), done: false };
        }
      }
    }
    await flush(part + 1, 0);
  }

  const totals = await Promise.all(
    shards.map((shard) =>
      shard
        .prepare(`SELECT COALESCE(SUM(${col}), 0) AS n FROM dl_months WHERE month = ? AND source = ?`)
        .bind(month, source.id)
        .first<{ n: number }>(),
    ),
  );
  const totalLines = sum(pos, 'lines');
  const totalSkipped = sum(pos, 'skipped');
  await db.batch([
    db
      .prepare(
        'INSERT INTO dl_day_totals (day, source, downloads) VALUES (?, ?, ?)' +
          ' ON CONFLICT (day, source) DO UPDATE SET downloads = excluded.downloads',
      )
      .bind(
        day,
        source.id,
        totals.reduce((n, t) => n + (t?.n ?? 0), 0),
      ),
    db
      .prepare(
        "UPDATE dl_imports SET state = 'done', finished_at = ?, lines = ?, skipped = ? WHERE source = ? AND day = ?",
      )
      .bind(now(), totalLines, totalSkipped, source.id, day),
  ]);
  log.line('done', totalLines, totalSkipped);
  return { day, source: source.id, run, lines: totalLines, skipped: totalSkipped, done: true };
}

function sum(pos: ShardProgress[], k: 'lines' | 'skipped'): number {
  return pos.reduce((n, p) => n + p[k], 0);
}

/**
 * Progress as an import goes: lines done, lines/s, and the share of the day's stored bytes read so far
 * (counted as they come from R2, compressed parts included), from which the time left is estimated.
 */
class ProgressLog {
  read = 0;
  private last = 0;

  constructor(
    private day: string,
    private run: string,
    private source: Source,
    private stored: number,
    private startLines: number,
    private started: number,
    private now: () => number,
  ) {}

  counter(): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream({
      transform: (chunk, c) => {
        this.read += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
  }

  /** At most every LOG_EVERY_MS. */
  tick(lines: number): void {
    const t = this.now();
    if (t - this.last < LOG_EVERY_MS) return;
    this.last = t;
    this.line('progress', lines, undefined);
  }

  line(what: string, lines: number, skipped: number | undefined): void {
    const secs = Math.max(0.001, (this.now() - this.started) / 1000);
    const rate = Math.round((lines - this.startLines) / secs);
    const share = this.stored > 0 ? Math.min(1, this.read / this.stored) : 1;
    const eta = share > 0 && share < 1 ? Math.round((secs * (1 - share)) / share) : 0;
    console.log(
      `import ${what} day=${this.day} run=${this.run} source=${this.source.id} lines=${lines} lines/s=${rate}` +
        (skipped === undefined ? ` read=${Math.round(share * 100)}% eta=${eta}s` : ` skipped=${skipped}`),
    );
  }
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

/** Two statements per ROWS_PER_STATEMENT lines, each taking them as one JSON value (no bound-parameter limit). */
function countStatements(
  db: D1Database,
  rows: [string, number][],
  month: number,
  source: number,
  col: string,
): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const json = JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT));
    out.push(
      db
        .prepare("INSERT OR IGNORE INTO dl_packages (name) SELECT json_extract(value, '$[0]') FROM json_each(?)")
        .bind(json),
      db
        .prepare(
          `INSERT INTO dl_months (package_id, month, source, ${col})
           SELECT p.id, ?, ?, json_extract(j.value, '$[1]') FROM json_each(?) AS j` +
            ` JOIN dl_packages p ON p.name = json_extract(j.value, '$[0]') WHERE 1
           ON CONFLICT (package_id, month, source) DO UPDATE SET ${col} = ${col} + excluded.${col}`,
        )
        .bind(month, source, json),
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

async function listObjects(bucket: R2Bucket, prefix: string): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    for (const o of page.objects) out.push({ key: o.key, size: o.size });
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}
