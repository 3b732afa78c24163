// InfluxQL over plain HTTP for the benchmark's own checks (counts, fresh databases): kept apart from
// the product's client so a bug there cannot make a count look right.

export interface InfluxServer {
  /** http://127.0.0.1:PORT */
  base: string;
}

export async function influxQuery(server: InfluxServer, database: string | null, q: string, timeoutMs = 60_000): Promise<any> {
  const params = new URLSearchParams({ q, epoch: 'ms' });
  if (database) params.set('db', database);
  const res = await fetch(`${server.base}/query`, { method: 'POST', body: params, signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as { results?: Array<{ error?: string; series?: unknown[] }>; error?: string };
  const error = body.error ?? body.results?.find((r) => r.error)?.error;
  if (!res.ok || error) throw new Error(`influx query '${q}' failed: ${res.status} ${error ?? ''}`);
  return body;
}

/** Points (counted by their `id` field) in each measurement, and their sum. */
export async function countPoints(server: InfluxServer, database: string, measurements: string[]): Promise<{ total: number; byMeasurement: Record<string, number> }> {
  const body = await influxQuery(server, database, `SELECT count("id") FROM ${measurements.map((m) => `"${m}"`).join(', ')}`);
  const byMeasurement: Record<string, number> = Object.fromEntries(measurements.map((m) => [m, 0]));
  for (const s of (body.results?.[0]?.series ?? []) as Array<{ name: string; values: Array<[number, number]> }>) {
    byMeasurement[s.name] = s.values?.[0]?.[1] ?? 0;
  }
  return { total: Object.values(byMeasurement).reduce((a, b) => a + b, 0), byMeasurement };
}

export async function createDatabase(server: InfluxServer, database: string): Promise<void> {
  await influxQuery(server, null, `CREATE DATABASE "${database}"`);
}
