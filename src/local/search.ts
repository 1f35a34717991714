// Finds local packages for /-/v1/search: every term of the text must match the name, the
// description or a keyword (`keywords:x`, `scope:x` and `maintainer:x` narrow to one field).

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

interface Row {
  name: string;
  version: string | null;
  description: string | null;
  keywords: string | null;
  modified: string | null;
  maintainers: string | null;
  publisher: string | null;
}

export async function searchLocal(db: D1Database, text: string): Promise<SearchObject[]> {
  const where: string[] = ['unpublished = 0'];
  const params: string[] = [];
  // At most 20 terms: D1 binds at most 100 parameters.
  for (const term of text.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 20)) {
    const [, field, value] = /^(keywords|scope|maintainer|author):(.*)$/.exec(term) ?? [null, null, term];
    if (!value) continue;
    const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
    if (field === 'keywords') {
      where.push(`lower(json_extract(doc, '$.keywords')) LIKE ? ESCAPE '\\'`);
      params.push(`%${escaped}%`);
    } else if (field === 'scope') {
      where.push(`name LIKE ? ESCAPE '\\'`);
      params.push(`@${escaped.replace(/^@/, '')}/%`);
    } else if (field) {
      where.push(`lower(json_extract(doc, '$.maintainers')) LIKE ? ESCAPE '\\'`);
      params.push(`%${escaped}%`);
    } else {
      where.push(`(name LIKE ? ESCAPE '\\' OR lower(json_extract(doc, '$.description')) LIKE ? ESCAPE '\\' OR lower(json_extract(doc, '$.keywords')) LIKE ? ESCAPE '\\')`);
      params.push(`%${escaped}%`, `%${escaped}%`, `%${escaped}%`);
    }
  }
  const sql = `SELECT name,
      json_extract(doc, '$."dist-tags".latest') AS version,
      json_extract(doc, '$.description') AS description,
      json_extract(doc, '$.keywords') AS keywords,
      json_extract(doc, '$.time.modified') AS modified,
      json_extract(doc, '$.maintainers') AS maintainers,
      json_extract(doc, '$.versions."' || json_extract(doc, '$."dist-tags".latest') || '"._npmUser') AS publisher
    FROM local_packages WHERE ${where.join(' AND ')}
    ORDER BY name LIMIT ${LOCAL_SEARCH_LIMIT}`;
  const rows = await db.prepare(sql).bind(...params).all<Row>();
  // An exact name match comes first, as on the public registry.
  const exact = text.trim().toLowerCase();
  return rows.results.sort((a, b) => Number(b.name === exact) - Number(a.name === exact)).map(toObject);
}

function toObject(r: Row): SearchObject {
  const maintainers = parse<{ name: string; email?: string }[]>(r.maintainers) ?? [];
  const publisher = parse<{ name: string; email?: string }>(r.publisher);
  const keywords = parse<unknown>(r.keywords);
  return {
    package: {
      name: r.name,
      scope: r.name.startsWith('@') ? r.name.slice(1, r.name.indexOf('/')) : 'unscoped',
      version: r.version ?? '',
      ...(typeof r.description === 'string' ? { description: r.description } : {}),
      ...(Array.isArray(keywords) ? { keywords: keywords.filter((k): k is string => typeof k === 'string') } : {}),
      ...(r.modified ? { date: r.modified } : {}),
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
