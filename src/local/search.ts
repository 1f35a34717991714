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

/**
 * The words of a search text, each with the field it narrows to. instr() rather than LIKE: a word has
 * no pattern characters to escape and no pattern length limit (D1 caps LIKE patterns at 50 bytes).
 */
export async function searchLocal(db: D1Database, text: string): Promise<SearchObject[]> {
  const where: string[] = ['unpublished = 0'];
  const params: string[] = [];
  // The route bounds the words to MAX_SEARCH_WORDS: one parameter each, well within D1's 100.
  for (const term of text.toLowerCase().split(/\s+/).filter(Boolean)) {
    const [, field, value] = /^(keywords|scope|maintainer|author):(.*)$/.exec(term) ?? [null, null, term];
    if (!value) continue;
    // lower() folds ASCII case only, as LIKE did. Each word is one numbered parameter.
    params.push(field === 'scope' ? `@${value.replace(/^@/, '')}/` : value);
    const p = `?${params.length}`;
    if (field === 'keywords') where.push(`instr(lower(summary -> '$.keywords'), ${p}) > 0`);
    else if (field === 'scope') where.push(`instr(lower(name), ${p}) = 1`);
    else if (field) where.push(`instr(lower(summary -> '$.maintainers'), ${p}) > 0`);
    else
      where.push(
        `(instr(lower(name), ${p}) > 0 OR instr(lower(summary ->> '$.description'), ${p}) > 0` +
          ` OR instr(lower(summary -> '$.keywords'), ${p}) > 0)`,
      );
  }
  const sql =
    `SELECT name, summary FROM local_packages WHERE ${where.join(' AND ')}` +
    ` ORDER BY name LIMIT ${LOCAL_SEARCH_LIMIT}`;
  const rows = await db
    .prepare(sql)
    .bind(...params)
    .all<{ name: string; summary: string | null }>();
  // An exact name match comes first, as on the public registry.
  const exact = text.trim().toLowerCase();
  return rows.results.sort((a, b) => Number(b.name === exact) - Number(a.name === exact)).map(toObject);
}

function toObject(r: { name: string; summary: string | null }): SearchObject {
  const s = parse<Partial<Summary>>(r.summary) ?? {};
  const maintainers = Array.isArray(s.maintainers) ? (s.maintainers as { name: string; email?: string }[]) : [];
  const publisher =
    s.publisher && typeof s.publisher === 'object' ? (s.publisher as { name: string; email?: string }) : undefined;
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
