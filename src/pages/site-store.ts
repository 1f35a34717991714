// D1 reads the pages need beyond the API's: the home page's counts and newest packages, and the
// packages a user maintains.
export interface Newest {
  name: string;
  version: string | null;
  description: string | null;
  updated: number;
}

export interface SiteCounts {
  packages: number;
  users: number;
  /** this registry's own tarball downloads counted today (UTC) */
  today: number;
}

export async function siteCounts(db: D1Database, today: string): Promise<SiteCounts> {
  const r = await db
    .prepare(
      'SELECT (SELECT COUNT(*) FROM local_packages WHERE unpublished = 0) AS packages,' +
        ' (SELECT COUNT(*) FROM users) AS users,' +
        ' (SELECT COALESCE(SUM(downloads), 0) FROM dl_traffic WHERE day = ?) AS today',
    )
    .bind(today)
    .first<SiteCounts>();
  return r ?? { packages: 0, users: 0, today: 0 };
}

interface SummaryRow {
  name: string;
  summary: string | null;
  updated: number;
}

function newest(r: SummaryRow): Newest {
  let s: { version?: unknown; description?: unknown } = {};
  try {
    s = JSON.parse(r.summary ?? '{}') ?? {};
  } catch {
    // a summary that does not parse shows as none
  }
  return {
    name: r.name,
    version: typeof s.version === 'string' ? s.version : null,
    description: typeof s.description === 'string' ? s.description : null,
    updated: r.updated,
  };
}

/** The most recently published local packages. */
export async function newestLocal(db: D1Database, limit = 10): Promise<Newest[]> {
  const r = await db
    .prepare('SELECT name, summary, updated FROM local_packages WHERE unpublished = 0 ORDER BY updated DESC LIMIT ?')
    .bind(limit)
    .all<SummaryRow>();
  return r.results.map(newest);
}

/** The local packages a user maintains (by the maintainers their search summary keeps). */
export async function packagesOf(db: D1Database, user: string, limit = 500): Promise<Newest[]> {
  const r = await db
    .prepare(
      'SELECT name, summary, updated FROM local_packages WHERE unpublished = 0 AND EXISTS (SELECT 1 FROM' +
        " json_each(summary, '$.maintainers') WHERE json_extract(value, '$.name') = ?) ORDER BY name LIMIT ?",
    )
    .bind(user, limit)
    .all<SummaryRow>();
  return r.results.map(newest);
}
