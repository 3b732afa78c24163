// The initial upload (#15, docs/scale-out.md section 2): a single node's configuration, made before
// there was a shared one, goes into PostgreSQL with `smart-estate config upload`; rows the shared
// configuration already holds stay as they are there; a second run sends nothing; a fresh data dir
// brought up to it has the uploaded rows. Real PostgreSQL, the real CLI, real SQLite files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { runCli } from '../support/process.ts';

let pg: PostgresHandle;
const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'se-upload-'));
  dirs.push(d);
  return d;
};
const cli = (args: string[], dataDir: string, shared = true) => runCli([...args, ...(shared ? ['--config-db', pg.url] : []), '--data-dir', dataDir], {});
const ok = (r: ReturnType<typeof runCli>) => {
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};
function rows(dataDir: string, sql: string, ...params: unknown[]): unknown[] {
  const db = new Database(join(dataDir, 'smart-estate.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('config upload', () => {
  it("sends a single node's estates, devices, operators and organisation; keeps what the shared configuration holds; sends nothing the second time", async () => {
    // the cluster's configuration already has estate up-e (named differently)
    ok(cli(['estate', 'add', '--id', 'up-e', '--name', 'Shared name', '--lat', '30.1', '--lon', '120.1'], dir()));
    // a single node's data dir, made without --config-db
    const single = dir();
    ok(cli(['estate', 'add', '--id', 'up-e', '--name', 'Local name', '--lat', '30.1', '--lon', '120.1'], single, false));
    ok(cli(['estate', 'add', '--id', 'up-f', '--name', 'Only here', '--lat', '30.2', '--lon', '120.2'], single, false));
    ok(cli(['device', 'add', '--estate', 'up-f', '--id', 'up-cam', '--kind', 'camera'], single, false));
    ok(cli(['user', 'add', '--name', 'up-op', '--role', 'operator', '--password', 'correct horse battery'], single, false));
    ok(cli(['org', 'unit', 'add', '--id', 'up-d', '--kind', 'district', '--name', 'Upload District', '--name-zh', '上传区'], single, false));
    ok(cli(['org', 'unit', 'add', '--id', 'up-s', '--kind', 'street', '--name', 'Upload Street', '--parent', 'up-d'], single, false));

    const out = ok(cli(['config', 'upload'], single));
    expect(out).toMatch(/estates: 1 uploaded, 1 kept as the shared configuration has them/);
    expect(out).toMatch(/devices: 1 uploaded/);
    expect(out).toMatch(/org_units: 2 uploaded/);
    const shared = await pg.query<{ entity: string; key: string }>("SELECT entity, key FROM config_rows WHERE key LIKE '%up-%' ORDER BY entity, key");
    expect(shared.map((r) => `${r.entity} ${r.key}`)).toEqual(['devices ["up-cam"]', 'estates ["up-e"]', 'estates ["up-f"]', 'org_units ["up-d"]', 'org_units ["up-s"]', 'users ["up-op"]']);
    // the shared row won on this data dir too (it was brought up to the shared configuration)
    expect(rows(single, "SELECT name FROM estates WHERE id = 'up-e'")).toEqual([{ name: 'Shared name' }]);
    // audited where it ran
    expect(rows(single, "SELECT action FROM audit_log WHERE action = 'config.upload'")).toHaveLength(1);

    // again: nothing to send
    expect(ok(cli(['config', 'upload'], single))).toMatch(/nothing to upload/);
    const [{ n }] = await pg.query<{ n: string }>('SELECT count(*) AS n FROM config_changes');
    expect(ok(cli(['config', 'upload'], single))).toMatch(/nothing to upload/);
    expect((await pg.query<{ n: string }>('SELECT count(*) AS n FROM config_changes'))[0].n).toBe(n);

    // a new node's empty data dir has everything, the device with the same token hash
    const fresh = dir();
    expect(ok(cli(['config', 'upload'], fresh))).toMatch(/nothing to upload/);
    expect(rows(fresh, "SELECT id, estate, token_hash FROM devices WHERE id = 'up-cam'")).toEqual(rows(single, "SELECT id, estate, token_hash FROM devices WHERE id = 'up-cam'"));
    expect(rows(fresh, "SELECT name, role FROM users WHERE name = 'up-op'")).toEqual([{ name: 'up-op', role: 'operator' }]);
    expect(rows(fresh, "SELECT id, parent FROM org_units WHERE id LIKE 'up-%' ORDER BY id")).toEqual([{ id: 'up-d', parent: null }, { id: 'up-s', parent: 'up-d' }]);
  }, 120_000);

  it('refuses without a shared configuration, in one line', () => {
    const r = cli(['config', 'upload'], dir(), false);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--config-db .* is required/);
  });
});
