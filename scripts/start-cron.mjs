// wrangler.toml's `[triggers] crons`, fired by npm start at each matching minute (UTC, as Cloudflare does).
// Small code rather than a dependency: the five standard fields (numbers, names, `*`, ranges, steps and
// lists, with cron's rule that a restricted day-of-month OR day-of-week matches) cover what this project
// schedules; Cloudflare's extensions (L, W, #) are refused, not silently misread.

const FIELDS = [
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  {
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    base: 1,
  },
  { min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], base: 0 }, // 7 is Sunday too
];

function parseField(text, { min, max, names, base }) {
  const value = (s) => {
    const i = names?.indexOf(s.toUpperCase()) ?? -1;
    const n = i >= 0 ? i + base : /^\d+$/.test(s) ? Number(s) : NaN;
    if (!(n >= min && n <= max))
      throw new Error(
        `"${s}" is not a value from ${min} to ${max}${names ? ' or a name' : ''} (L, W, # and ? are not supported)`,
      );
    return n;
  };
  const set = new Set();
  for (const item of text.split(',')) {
    const m = /^(\*|[^-/]+)(?:-([^/]+))?(?:\/(\d+))?$/.exec(item);
    if (!m) throw new Error(`"${item}" is not supported (numbers, names, *, a-b, /step and lists are)`);
    const from = m[1] === '*' ? min : value(m[1]);
    const to = m[2] !== undefined ? value(m[2]) : m[1] === '*' || m[3] ? max : from;
    const step = m[3] ? Number(m[3]) : 1;
    if (step < 1 || to < from) throw new Error(`"${item}" is an empty range`);
    for (let n = from; n <= to; n += step) set.add(n);
  }
  return set;
}

/** A cron expression's matcher: matches(date) says whether it fires in that date's UTC minute. */
export function parseCron(expr) {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expr}" does not have five fields`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]));
  if (dow.has(7)) dow.add(0);
  const domAny = parts[2] === '*';
  const dowAny = parts[4] === '*';
  return {
    expr,
    matches(d) {
      const day =
        domAny && dowAny
          ? true
          : domAny
            ? dow.has(d.getUTCDay())
            : dowAny
              ? dom.has(d.getUTCDate())
              : dom.has(d.getUTCDate()) || dow.has(d.getUTCDay());
      return minute.has(d.getUTCMinutes()) && hour.has(d.getUTCHours()) && month.has(d.getUTCMonth() + 1) && day;
    },
  };
}

/**
 * Calls fire(expr, minuteStart) for every cron matching each minute from now on; returns stop().
 * Re-armed at every minute boundary, so a slow machine or a suspended laptop does not drift.
 */
export function scheduleCrons(crons, fire, now = () => Date.now()) {
  let timer;
  const arm = () => {
    const t = now();
    timer = setTimeout(
      () => {
        const minute = new Date(Math.floor(now() / 60_000) * 60_000);
        for (const c of crons) if (c.matches(minute)) fire(c.expr, minute);
        arm();
      },
      60_000 - (t % 60_000) + 50,
    ); // just past the boundary
  };
  if (crons.length) arm();
  return () => clearTimeout(timer);
}
