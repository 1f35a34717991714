// The downloads chart: daily bars for a year, with week and month views, as inline SVG switched by radio
// buttons (no script). Each bar's <title> names its period and count, for a tooltip and for tests. Pure.
import { count, esc } from './html';

export interface DayCount {
  day: string;
  downloads: number;
}

interface Bar {
  label: string;
  downloads: number;
}

const WIDTH = 730;
const HEIGHT = 120;

/** Weeks start on the first day of the series, so every week has seven days but perhaps the last. */
export function weeks(days: DayCount[]): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < days.length; i += 7) {
    const w = days.slice(i, i + 7);
    out.push({ label: `week of ${w[0].day}`, downloads: w.reduce((s, d) => s + d.downloads, 0) });
  }
  return out;
}

export function months(days: DayCount[]): Bar[] {
  const out: Bar[] = [];
  for (const d of days) {
    const m = d.day.slice(0, 7);
    const last = out[out.length - 1];
    if (last?.label === m) last.downloads += d.downloads;
    else out.push({ label: m, downloads: d.downloads });
  }
  return out;
}

function svg(bars: Bar[], what: string): string {
  const max = Math.max(1, ...bars.map((b) => b.downloads));
  const step = WIDTH / Math.max(1, bars.length);
  const w = Math.max(1, step * 0.8).toFixed(1);
  const rects = bars
    .map((b, i) => {
      const h = b.downloads === 0 ? 0 : Math.max(1, (b.downloads / max) * HEIGHT);
      return `<rect x="${(i * step).toFixed(1)}" y="${(HEIGHT - h).toFixed(1)}" width="${w}" height="${h.toFixed(1)}">
<title>${esc(b.label)}: ${b.downloads}</title></rect>`;
    })
    .join('');
  const total = bars.reduce((s, b) => s + b.downloads, 0);
  const label = `${what}: ${count(total)} in all, at most ${count(max)} per bar`;
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${esc(label)}" preserveAspectRatio="none">
${rects}</svg>`;
}

/** The chart's HTML, or a note when there is nothing to draw. */
export function downloadsChart(days: DayCount[], start: string, end: string): string {
  const total = days.reduce((s, d) => s + d.downloads, 0);
  const last = days.slice(-7).reduce((s, d) => s + d.downloads, 0);
  const views = [
    [
      'day',
      'Daily',
      svg(
        days.map((d) => ({ label: d.day, downloads: d.downloads })),
        'Downloads per day',
      ),
    ],
    ['week', 'Weekly', svg(weeks(days), 'Downloads per week')],
    ['month', 'Monthly', svg(months(days), 'Downloads per month')],
  ];
  const controls = views
    .map(
      ([id, label], i) =>
        `<input type="radio" name="chart-view" id="view-${id}"${i === 0 ? ' checked' : ''}>` +
        `<label for="view-${id}">${label}</label>`,
    )
    .join('');
  const charts = views.map(([id, , s]) => `<div class="view view-${id}">${s}</div>`).join('');
  return `<section class="chart" aria-labelledby="dl-h"><h2 id="dl-h">Downloads</h2>
<p><strong>${count(total)}</strong> from ${esc(start)} to ${esc(end)}; <strong>${count(last)}</strong> in the last
 seven days.</p><fieldset><legend class="sr">Chart view</legend>${controls}${charts}</fieldset></section>`;
}
