// Finds local packages for /-/v1/search: every term of the text must match the name, the
// description or a keyword (`keywords:x`, `scope:x` and `maintainer:x` narrow to one field).
import type { Packument } from './packument';

export interface SearchObject {
  package: {
    name: string;
    scope: string;
    version: string;
    description?: string;
    keywords?: string[];
    date?: string;
    links: Record<string, string>;
    publisher?: { username: string; email?: string };
    maintainers: { username: string; email?: string }[];
  };
  score: { final: number; detail: { quality: number; popularity: number; maintenance: number } };
  searchScore: number;
}

/** At most this many local hits are considered for one search. */
export const LOCAL_SEARCH_LIMIT = 250;

/** What a search shows of a package, stored beside its document and rewritten with it. */
interface Summary {
  version: string | null;
  description: unknown;
  keywords: unknown;
  modified: unknown;
  maintainers: unknown;
  publisher: unknown;
}

export function searchSummary(doc: Packument): string {
  const latest = doc['dist-tags'].latest ?? null;
  const summary: Summary = {
    version: latest,
    description: doc.description ?? null,
    keywords: doc.keywords ?? null,
    modified: doc.time.modified ?? null,
    maintainers: doc.maintainers ?? null,
    publisher: (latest !== null && doc.versions[latest]?._npmUser) || null,
  };
  return JSON.stringify(summary);
}

export async function searchLocal(db: D1Database, text: string): Promise<SearchObject[]> {
  const where: string[] = ['unpublished = 0'];
  const params: string[] = [];
  // At most 20 terms: D1 binds at most 100 parameters. LIKE ignores ASCII case.
  for (const term of text.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 20)) {
    const [, field, value] = /^(keywords|scope|maintainer|author):(.*)$/.exec(term) ?? [null, null, term];
    if (!value) continue;
    const like = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    if (field === 'keywords') {
      where.push(`summary -> '$.keywords' LIKE ? ESCAPE '\\'`);
      params.push(like);
    } else if (field === 'scope') {
      where.push(`name LIKE ? ESCAPE '\\'`);
      params.push(`@${like.slice(1, -1).replace(/^@/, '')}/%`);
    } else if (field) {
      where.push(`summary -> '$.maintainers' LIKE ? ESCAPE '\\'`);
      params.push(like);
    } else {
      where.push(`(name LIKE ? ESCAPE '\\' OR summary ->> '$.description' LIKE ? ESCAPE '\\' OR summary -> '$.keywords' LIKE ? ESCAPE '\\')`);
      params.push(like, like, like);
    }
  }
  const sql = `SELECT name, summary FROM local_packages WHERE ${where.join(' AND ')} ORDER BY name LIMIT ${LOCAL_SEARCH_LIMIT}`;
  const rows = await db.prepare(sql).bind(...params).all<{ name: string; summary: string | null }>();
  // An exact name match comes first, as on the public registry.
  const exact = text.trim().toLowerCase();
  return rows.results.sort((a, b) => Number(b.name === exact) - Number(a.name === exact)).map(toObject);
}

function toObject(r: { name: string; summary: string | null }): SearchObject {
  const s = parse<Partial<Summary>>(r.summary) ?? {};
  const maintainers = Array.isArray(s.maintainers) ? (s.maintainers as { name: string; email?: string }[]) : [];
  const publisher = s.publisher && typeof s.publisher === 'object' ? (s.publisher as { name: string; email?: string }) : undefined;
  return {
    package: {
      name: r.name,
      scope: r.name.startsWith('@') ? r.name.slice(1, r.name.indexOf('/')) : 'unscoped',
      version: s.version ?? '',
      ...(typeof s.description === 'string' ? { description: s.description } : {}),
      ...(Array.isArray(s.keywords) ? { keywords: s.keywords.filter((k): k is string => typeof k === 'string') } : {}),
      ...(typeof s.modified === 'string' ? { date: s.modified } : {}),
      links: {},
      ...(publisher ? { publisher: { username: publisher.name, email: publisher.email } } : {}),
      maintainers: maintainers.map((m) => ({ username: m.name, email: m.email })),
    },
    score: { final: 1, detail: { quality: 1, popularity: 1, maintenance: 1 } },
    searchScore: 1,
  };
}

function parse<T>(s: string | null): T | undefined {
  if (s === null) return undefined;
  try {
    return JSON.parse(s) as T;
  } catch {
    return undefined;
  }
}
