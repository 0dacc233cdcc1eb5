// JSON with every object's keys in one order, so equal values give equal text: for comparing
// settings (sign-in fingerprints, what changed since the last sync) and what the pages show.
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
