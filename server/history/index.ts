// Event history: served from the SQLite journal (embedded default) or from InfluxDB (SE_INFLUX_URL).
// Both answer the same HistoryQuery with the same events in the same order (tests/history/contract.test.ts).
import type { InfluxDB } from 'influx';
import type { EstateEvent } from '../../protocol/index.ts';
import type { Db } from '../store/db.ts';
import { createInfluxHistory } from './influx-history.ts';
import { createSqliteHistory } from './sqlite-history.ts';
import type { HistoryQuery } from './query.ts';

export interface HistoryBackend {
  backend: 'sqlite' | 'influxdb';
  /** Newest first: ts desc, then journal seq desc. */
  query(q: HistoryQuery): Promise<EstateEvent[]>;
}

export function createHistory(db: Db, influx: InfluxDB | null): HistoryBackend {
  return influx ? createInfluxHistory(influx) : createSqliteHistory(db);
}

export { createInfluxHistory, createSqliteHistory };
export { parseHistoryQuery, DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from './query.ts';
export type { HistoryQuery, ParseHistoryResult } from './query.ts';
