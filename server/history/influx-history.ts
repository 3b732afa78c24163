// History from InfluxDB: one SELECT per measurement (kind), sent side by side, merged in the
// journal's order (ts desc, seq desc). String values travel as bound parameters ($estate,
// $device): InfluxDB 1.x substitutes them server-side, so no input is ever spliced into InfluxQL.
// (Influx.escape.stringLit does not escape backslashes, so it is not used for values.) Times are
// integers computed here.
import { escape, type InfluxDB } from 'influx';
import { DEVICE_KINDS, type EstateEvent, type EventKind } from '../../protocol/index.ts';
import { msToNsRange, rowToEvent, type StoredEvent } from '../influx/points.ts';
import type { HistoryBackend } from './index.ts';
import { MAX_HISTORY_LIMIT, type HistoryQuery } from './query.ts';

interface RawSeries {
  name: string;
  columns: string[];
  values?: unknown[][];
}
interface RawResult {
  statement_id?: number;
  series?: RawSeries[];
  error?: string;
  partial?: boolean;
}

interface Rows {
  kind: EventKind;
  rows: StoredEvent[];
}

const newestFirst = (a: StoredEvent, b: StoredEvent) => b.event.ts - a.event.ts || b.seq - a.seq;

export function createInfluxHistory(client: InfluxDB, options: { database?: string } = {}): HistoryBackend {
  const select = (kind: EventKind, q: HistoryQuery, from: bigint | undefined, to: bigint | undefined, limit: number | null) => {
    const where = ['"estate" = $estate'];
    if (q.device !== undefined) where.push('"device" = $device');
    if (from !== undefined) where.push(`time >= ${from}`);
    if (to !== undefined) where.push(`time <= ${to}`);
    return `SELECT * FROM ${escape.quoted(kind)} WHERE ${where.join(' AND ')} ORDER BY time DESC${limit === null ? '' : ` LIMIT ${limit}`}`;
  };

  /** One request per statement, in parallel: each gets its own error, InfluxDB may use both cores. */
  const run = (statements: Array<{ kind: EventKind; sql: string }>, q: HistoryQuery): Promise<Rows[]> => {
    const placeholders: Record<string, string> = { estate: q.estate };
    if (q.device !== undefined) placeholders.device = q.device;
    const queryOptions = { placeholders, ...(options.database ? { database: options.database } : {}) };
    return Promise.all(
      statements.map(async ({ kind, sql }): Promise<Rows> => {
        const response = (await client.queryRaw(sql, queryOptions)) as { results?: RawResult[]; error?: string };
        if (response.error) throw new Error(`InfluxDB: ${response.error}`);
        const result = response.results?.[0] ?? {};
        // Before the first event is forwarded the database may not exist: no events, not an error.
        if (result.error && /^database not found/.test(result.error)) return { kind, rows: [] };
        if (result.error) throw new Error(`InfluxDB (${kind}): ${result.error}`);
        if (result.partial) throw new Error(`InfluxDB truncated the ${kind} result (raise [http] max-row-limit or set it to 0)`);
        const rows: StoredEvent[] = [];
        for (const series of result.series ?? []) {
          for (const values of series.values ?? []) {
            const row: Record<string, unknown> = {};
            for (let c = 0; c < series.columns.length; c++) row[series.columns[c]] = values[c];
            rows.push(rowToEvent(kind, row));
          }
        }
        return { kind, rows };
      }),
    );
  };

  return {
    backend: 'influxdb',
    async query(q) {
      const limit = Math.min(Math.max(1, Math.floor(q.limit)), MAX_HISTORY_LIMIT);
      if (q.from !== undefined && q.to !== undefined && q.from > q.to) return [];
      const kinds = q.kind !== undefined ? [q.kind] : [...DEVICE_KINDS];
      const from = q.from !== undefined ? msToNsRange(q.from).first : undefined;
      const to = q.to !== undefined ? msToNsRange(q.to).last : undefined;
      const perKind = await run(kinds.map((kind) => ({ kind, sql: select(kind, q, from, to, limit) })), q);

      let merged = perKind.flatMap((k) => k.rows).sort(newestFirst);
      if (merged.length >= limit) {
        // InfluxDB orders by time (ts + seq mod 1e6), the contract by (ts, seq): they can differ
        // only inside one millisecond. A kind that hit its LIMIT may have left out rows of the
        // boundary millisecond that rank higher by seq, so fetch that millisecond whole for it.
        const boundary = merged[limit - 1].event.ts;
        const cut = perKind.filter((k) => k.rows.length === limit && k.rows[k.rows.length - 1].event.ts === boundary);
        if (cut.length) {
          const ms = msToNsRange(boundary);
          const refetched = await run(cut.map(({ kind }) => ({ kind, sql: select(kind, q, ms.first, ms.last, null) })), q);
          const replaced = new Set(cut.map((k) => k.kind));
          merged = perKind
            .filter((k) => !replaced.has(k.kind))
            .flatMap((k) => k.rows)
            .concat(cut.flatMap((k) => k.rows.filter((r) => r.event.ts !== boundary)))
            .concat(refetched.flatMap((k) => k.rows))
            .sort(newestFirst);
        }
      }
      return merged.slice(0, limit).map((r): EstateEvent => r.event);
    },
  };
}
