// How long until a moment, as the pages show it. Pure.

/** `mm:ss` (or `h:mm:ss`) until a moment; `0:00` once it has passed. */
export function countdown(until: number, now: number): string {
  const total = Math.max(0, Math.floor((until - now) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${String(minutes).padStart(2, '0')}:${seconds}`;
}
