// Timestamps as devices write them: handhelds and plate cameras send ISO 8601 with the estate's UTC
// offset (2026-11-27T21:30:00.000+08:00), cameras send epoch milliseconds. Both are contract v1.

/** ISO 8601 in the given IANA time zone, with its offset. */
export function isoInZone(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  const offsetMin = Math.round((wall - (ms - (ms % 1000 + 1000) % 1000)) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const millis = String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${millis}${sign}${hh}:${mm}`;
}
