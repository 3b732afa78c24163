// Every benchmark case, in the order `npm run bench` runs them. Add yours with one line.
import type { BenchCase } from '../types.ts';
import { ingestCase } from './ingest.ts';
import { connectionsCase } from './connections.ts';
import { alertLatencyCase } from './alert-latency.ts';
import { mapCase } from './map.ts';
import { districtCase } from './district.ts';
import { workordersCase } from './workorders.ts';
import { fuzzCase } from './fuzz.ts';
import { compiledCase } from './compiled.ts';
import { fanoutCase } from './fanout.ts';
import { clusterCase } from './cluster.ts';

export const CASES: BenchCase[] = [
  ingestCase,
  connectionsCase,
  alertLatencyCase,
  mapCase,
  districtCase,
  workordersCase,
  fuzzCase,
  compiledCase,
  fanoutCase,
  clusterCase,
];
