// Shapes of the download-counts answers, key order as npm's public API. Pure.
import { daysOf, type Span } from './periods';

export type PerDay = Map<string, number>;

export interface Point {
  downloads: number;
  start: string;
  end: string;
  package?: string;
}

export interface Range {
  start: string;
  end: string;
  package?: string;
  downloads: { downloads: number; day: string }[];
}

export function point(span: Span, perDay: PerDay, pkg?: string): Point {
  let downloads = 0;
  for (const [day, n] of perDay) if (day >= span.start && day <= span.end) downloads += n;
  const out: Point = { downloads, start: span.start, end: span.end };
  if (pkg !== undefined) out.package = pkg;
  return out;
}

export function range(span: Span, perDay: PerDay, pkg?: string): Range {
  const out: Range = { start: span.start, end: span.end } as Range;
  if (pkg !== undefined) out.package = pkg;
  out.downloads = daysOf(span).map((day) => ({ downloads: perDay.get(day) ?? 0, day }));
  return out;
}
