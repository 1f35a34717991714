// Isolate-wide memos for pure functions of request values that repeat (package names, header values): the
// hot path then skips their parsing. Bounded: a full memo starts over, so hostile variety costs only misses.

/** `f` remembered for up to `max` distinct arguments; a call that throws is not remembered. */
export function memoize<V>(f: (key: string) => V, max = 1024): (key: string) => V {
  const known = new Map<string, V>();
  return (key) => {
    const hit = known.get(key);
    if (hit !== undefined || known.has(key)) return hit as V;
    const value = f(key);
    if (known.size >= max) known.clear();
    known.set(key, value);
    return value;
  };
}
