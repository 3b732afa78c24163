// Retention in InfluxDB, created on start when missing: the database's default retention policy keeps
// raw events for N days (30 by default), and continuous queries count events per hour into a `long`
// policy that keeps them indefinitely (dashboards and reports of past years need counts, not rows).
import type { InfluxDB } from 'influx';
import { DEVICE_KINDS } from '../../protocol/index.ts';

export const LONG_RP = 'long';

export interface RetentionResult {
  defaultPolicy: string;
  rawDuration: string;
  created: string[];
}

const ident = (name: string) => `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export async function ensureRetention(client: InfluxDB, database: string, rawDays: number): Promise<RetentionResult> {
  const created: string[] = [];
  const policies = await client.showRetentionPolicies(database);
  const current = policies.find((p) => p.default) ?? policies[0];
  if (!current) throw new Error(`database ${database} has no retention policy`);
  const duration = `${rawDays}d`;
  const hours = rawDays * 24;
  // InfluxDB reports durations as e.g. "720h0m0s"; change only when it differs.
  if (current.duration !== `${hours}h0m0s`) {
    await client.query(`ALTER RETENTION POLICY ${ident(current.name)} ON ${ident(database)} DURATION ${duration} SHARD DURATION 1d DEFAULT`);
    created.push(`retention ${current.name} ${duration}`);
  }
  if (!policies.some((p) => p.name === LONG_RP)) {
    await client.query(`CREATE RETENTION POLICY ${ident(LONG_RP)} ON ${ident(database)} DURATION INF REPLICATION 1`);
    created.push(`retention ${LONG_RP} INF`);
  }
  const existing = new Set((await client.showContinousQueries(database)).map((q) => q.name));
  for (const kind of DEVICE_KINDS) {
    const name = `se_hourly_${kind}`;
    if (existing.has(name)) continue;
    await client.query(
      `CREATE CONTINUOUS QUERY ${ident(name)} ON ${ident(database)} BEGIN ` +
        `SELECT count("seq") AS "events" INTO ${ident(database)}.${ident(LONG_RP)}.${ident(`${kind}_hourly`)} ` +
        `FROM ${ident(database)}.${ident(current.name)}.${ident(kind)} GROUP BY time(1h), * END`,
    );
    created.push(`continuous query ${name}`);
  }
  return { defaultPolicy: current.name, rawDuration: duration, created };
}
