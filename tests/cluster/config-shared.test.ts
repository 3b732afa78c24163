// One truth for all nodes beyond devices (#15, docs/scale-out.md section 2): estates with everything an
// estate file holds, operators and their sessions, through the same PostgreSQL feed. Two real
// `smart-estate serve --cluster` nodes, a real PostgreSQL, redis-server and influxd; the CLI with the
// same settings as `serve` (--config-db against a node's data dir).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startRedis, type RedisHandle } from '../support/redis.ts';
import { startInfluxd, type InfluxdHandle } from '../support/influxd.ts';
import { startPostgres, type PostgresHandle } from '../support/postgres.ts';
import { runCli, until } from '../support/process.ts';
import { NODE_ADMIN_PASSWORD, startClusterNode, type ClusterNode } from '../support/cluster.ts';
import { connect, connectRefused } from '../support/mqtt.ts';

const GARDEN = join(import.meta.dirname, '../../server/estate/demo/garden.geojson');

let redis: RedisHandle;
let influx: InfluxdHandle;
let pg: PostgresHandle;
let a: ClusterNode;
let b: ClusterNode;
const clients: MqttClient[] = [];

const start = (id: string, dir?: string) => startClusterNode(id, redis.url, influx.url, { SE_CONFIG_DB: pg.url }, { dir });
/** a `smart-estate` command against a node's data dir with the cluster's settings */
const cli = (node: ClusterNode, args: string[]) => runCli([...args, '--config-db', pg.url, '--data-dir', node.dir], {});

/** rows of a node's SQLite (read-only, the running node keeps writing) */
function rows(node: ClusterNode, sql: string, ...params: unknown[]): unknown[] {
  const db = new Database(join(node.dir, 'smart-estate.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}
const ESTATE_TABLES = ['buildings', 'zones', 'checkpoints', 'gates', 'car_parks', 'devices', 'camera_streams'];
/** everything of one estate a node has, table by table, in key order */
const estateRows = (node: ClusterNode, estate: string) => Object.fromEntries([
  ['estates', rows(node, 'SELECT * FROM estates WHERE id = ?', estate)],
  ...ESTATE_TABLES.map((t) => [t, rows(node, `SELECT * FROM ${t} WHERE estate = ? ORDER BY 1, 2`, estate)]),
]);

const http = (node: ClusterNode, path: string, init: { method?: string; token?: string; body?: unknown } = {}) =>
  fetch(`http://127.0.0.1:${node.http}/api/v1${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
async function login(node: ClusterNode, username: string, password: string): Promise<string> {
  const r = await http(node, '/auth/login', { body: { username, password } });
  expect(r.status, await r.clone().text()).toBe(200);
  return ((await r.json()) as { token: string }).token;
}
const me = async (node: ClusterNode, token: string) => (await http(node, '/me', { token })).status;

beforeAll(async () => {
  [redis, influx, pg] = await Promise.all([startRedis(), startInfluxd(), startPostgres()]);
  [a, b] = await Promise.all([start('shr-a'), start('shr-b')]);
}, 120_000);
afterAll(async () => {
  for (const c of clients) c.end(true);
  await Promise.all([a?.stop(), b?.stop()]);
  await Promise.all([redis?.stop(), influx?.stop(), pg?.stop()]);
});

describe('estates: one truth for all nodes', () => {
  it('import buildings through the CLI on node A: node B has the same estate, buildings, zones, checkpoints, gates, car parks, devices and streams; a device of the file connects on B', async () => {
    const r = cli(a, ['import', 'buildings', GARDEN]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const onA = estateRows(a, 'garden');
    // the CLI brought A's data dir up to date itself (answered after PostgreSQL committed)
    expect(onA.estates).toHaveLength(1);
    expect(onA.buildings.length).toBeGreaterThan(20);
    expect(onA.gates).toHaveLength(3);
    expect(onA.devices).toHaveLength(46);
    expect(onA.car_parks.length).toBeGreaterThan(0);
    await until('node B has every row of garden, the same as A', () => JSON.stringify(estateRows(b, 'garden')) === JSON.stringify(estateRows(a, 'garden')), 15_000);
    // and shows it over REST
    const admin = await login(b, 'admin', NODE_ADMIN_PASSWORD);
    const detail = (await (await http(b, '/estates/garden', { token: admin })).json()) as { checkpoints: unknown[]; devices: unknown[] };
    expect(detail.checkpoints).toHaveLength(12);
    expect(detail.devices).toHaveLength(46);

    // a device of the file, issued a token on B, connects on A: its row went through the feed too
    const rot = cli(b, ['device', 'add', '--estate', 'garden', '--id', 'garden-lpr-north', '--kind', 'camera', '--rotate', '--json']);
    expect(rot.stderr).toBe('');
    const token = JSON.parse(rot.stdout).token as string;
    const c = await until('garden-lpr-north accepted by node A', () => connect(`mqtt://127.0.0.1:${a.mqtt}`, 'garden-lpr-north', token, { clientId: 'lpr-north-a' }), 15_000);
    clients.push(c);
    await c.publishAsync('estates/garden/devices/garden-lpr-north/status', JSON.stringify({ id: 's-1', ts: new Date().toISOString(), online: true }), { qos: 1 });

    // re-importing on B changes nothing anyone can see and keeps the token
    expect(cli(b, ['import', 'buildings', GARDEN]).status).toBe(0);
    const seq = Number((await pg.query<{ seq: string }>('SELECT max(seq) AS seq FROM config_changes'))[0].seq);
    await until('both nodes at the re-import', async () => (await a.metric('se_config_seq')) === seq && (await b.metric('se_config_seq')) === seq, 15_000);
    expect(JSON.stringify(estateRows(a, 'garden'))).toBe(JSON.stringify(estateRows(b, 'garden')));
    expect((await connectRefused(`mqtt://127.0.0.1:${b.mqtt}`, 'garden-lpr-north', 'wrong')).message).toMatch(/bad username or password/i);
    const again = await connect(`mqtt://127.0.0.1:${b.mqtt}`, 'garden-lpr-north', token, { clientId: 'lpr-north-b' });
    clients.push(again);
  }, 120_000);

  it('estate add on node B, then device add for it on node A: no waiting for the estate on either node', async () => {
    const e = cli(b, ['estate', 'add', '--id', 'east', '--name', 'East', '--lat', '30.2', '--lon', '120.3']);
    expect(e.stderr).toBe('');
    expect(e.stdout).toBe('estate east saved in the shared configuration\n');
    // A's data dir has it once the node applied the NOTIFY; the CLI on A checks it there
    await until('node A has estate east', () => rows(a, "SELECT id FROM estates WHERE id = 'east'").length === 1, 10_000);
    const d = cli(a, ['device', 'add', '--estate', 'east', '--id', 'east-1', '--kind', 'sensor', '--json']);
    expect(d.stderr).toBe('');
    const token = JSON.parse(d.stdout).token as string;
    const c = await until('east-1 accepted by node B', () => connect(`mqtt://127.0.0.1:${b.mqtt}`, 'east-1', token, { clientId: 'east-1-b' }), 15_000);
    clients.push(c);
    expect(a.child.output()).not.toMatch(/which this node does not have/);
    expect(b.child.output()).not.toMatch(/which this node does not have/);
  }, 60_000);
});

/** a node's rows of one table for garden, in key order (patrol routes, the vehicle lists) */
const tableRows = (node: ClusterNode, table: string) => rows(node, `SELECT * FROM ${table} WHERE estate = 'garden' ORDER BY id`);
const VEHICLE_LISTS = ['vehicle_residents', 'vehicle_visitors', 'vehicle_blacklist'];
const sameLists = () => VEHICLE_LISTS.every((t) => JSON.stringify(tableRows(a, t)) === JSON.stringify(tableRows(b, t)));
/** the ids of route `night`'s tours still to open on a node */
const nightTours = (node: ClusterNode) => (rows(node, "SELECT id FROM patrol_tours WHERE estate = 'garden' AND route = 'night' AND opens > ? ORDER BY id", Date.now()) as Array<{ id: string }>).map((r) => r.id);
const nightRoute = (start: string, stops: string[]) => ({
  name: 'Night round', nameZh: '夜班巡更', stops: stops.map((checkpoint) => ({ checkpoint, afterMin: 0 })), toleranceMin: 30, graceMin: 10,
  schedules: [{ id: 'night', start, end: '23:30', everyMin: 240 }],
});

describe('patrol routes and vehicle lists: one truth for all nodes', () => {
  it('a route put on A is on B and B plans its tours; replaced on B, A re-plans the tours to come; deleted on A, it is gone on B', async () => {
    const [adminA, adminB] = [await login(a, 'admin', NODE_ADMIN_PASSWORD), await login(b, 'admin', NODE_ADMIN_PASSWORD)];
    const stops = (rows(a, "SELECT id FROM checkpoints WHERE estate = 'garden' ORDER BY id LIMIT 3") as Array<{ id: string }>).map((r) => r.id);
    expect(stops).toHaveLength(3);
    const put = await http(a, '/estates/garden/patrol/routes/night', { method: 'PUT', token: adminA, body: nightRoute('22:00', stops) });
    expect(put.status, await put.clone().text()).toBe(201);
    await until('node B has route night, the same row as A', () => tableRows(b, 'patrol_routes').some((r) => (r as { id: string }).id === 'night')
      && JSON.stringify(tableRows(b, 'patrol_routes').filter((r) => (r as { id: string }).id === 'night')) === JSON.stringify(tableRows(a, 'patrol_routes').filter((r) => (r as { id: string }).id === 'night')), 10_000);
    const listed = (await (await http(b, '/estates/garden/patrol/routes', { token: adminB })).json()) as Array<{ id: string; name: string }>;
    expect(listed.find((r) => r.id === 'night')?.name).toBe('Night round');
    await until('node B planned the tours of night', () => nightTours(b).length > 0 && nightTours(b).every((id) => id.endsWith('T22:00')), 10_000);

    // replaced on B (it exists there: 200); A drops the tours to come of the old version and plans the new
    const again = await http(b, '/estates/garden/patrol/routes/night', { method: 'PUT', token: adminB, body: nightRoute('21:00', stops) });
    expect(again.status, await again.clone().text()).toBe(200);
    await until('node A re-planned night at 21:00', () => nightTours(a).length > 0 && nightTours(a).every((id) => id.endsWith('T21:00')), 10_000);
    // a route naming a checkpoint the estate lacks is refused on either node, nothing sent
    const bad = await http(a, '/estates/garden/patrol/routes/bad', { method: 'PUT', token: adminA, body: nightRoute('21:00', ['no-such-checkpoint']) });
    expect(bad.status).toBe(400);

    expect((await http(a, '/estates/garden/patrol/routes/night', { method: 'DELETE', token: adminA })).status).toBe(204);
    await until('node B has no route night and no tour of it to come', () => !tableRows(b, 'patrol_routes').some((r) => (r as { id: string }).id === 'night') && nightTours(b).length === 0, 10_000);
    expect((await http(b, '/estates/garden/patrol/routes/night', { method: 'DELETE', token: adminB })).status).toBe(404);
    const [{ n }] = await pg.query<{ n: string }>("SELECT count(*) AS n FROM config_rows WHERE entity = 'patrol_routes'");
    expect(Number(n)).toBe(0);
  }, 60_000);

  it('residents, visitors and the blacklist written on either node are the same rows on both; a plate twice is refused on the other node; a CSV import on B reaches A whole; two adds at once lose nothing', async () => {
    const [adminA, adminB] = [await login(a, 'admin', NODE_ADMIN_PASSWORD), await login(b, 'admin', NODE_ADMIN_PASSWORD)];
    const add = await http(a, '/estates/garden/vehicles/residents', { token: adminA, body: { plate: '浙A12345', name: '张三', room: '1-101' } });
    expect(add.status, await add.clone().text()).toBe(201);
    await until('node B has resident 浙A12345', () => tableRows(b, 'vehicle_residents').length === 1, 10_000);
    const dup = await http(b, '/estates/garden/vehicles/residents', { token: adminB, body: { plate: '浙A12345', name: '李四' } });
    expect(dup.status).toBe(409);

    const csv = 'plate,name,room\n浙A12345,张三,1-102\n浙B67890,王五,2-201\n';
    const imp = await fetch(`http://127.0.0.1:${b.http}/api/v1/estates/garden/vehicles/residents/import`, { method: 'POST', headers: { authorization: `Bearer ${adminB}`, 'content-type': 'text/csv' }, body: csv });
    expect(imp.status, await imp.clone().text()).toBe(200);
    expect(await imp.json()).toEqual({ imported: 1, updated: 1 });
    const visitor = await http(b, '/estates/garden/vehicles/visitors', { token: adminB, body: { plate: '沪C11111', validUntil: Date.now() + 3_600_000, host: '1-101' } });
    expect(visitor.status, await visitor.clone().text()).toBe(201);
    const black = await http(a, '/estates/garden/vehicles/blacklist', { token: adminA, body: { plate: '苏E22222', reason: '逃费 unpaid' } });
    expect(black.status, await black.clone().text()).toBe(201);
    await until('both nodes have the same residents, visitors and blacklist', () => sameLists() && tableRows(a, 'vehicle_visitors').length === 1 && tableRows(b, 'vehicle_blacklist').length === 1, 10_000);
    expect((tableRows(a, 'vehicle_residents') as Array<{ plate: string; room: string }>).map((r) => `${r.plate} ${r.room}`)).toEqual(['浙A12345 1-102', '浙B67890 2-201']);

    // two residents added at once on A and B: each gets the next id on its own copy; the one that
    // reaches PostgreSQL second is refused (409, try again) instead of overwriting the first
    const both = await Promise.all([
      http(a, '/estates/garden/vehicles/residents', { token: adminA, body: { plate: '浙C00001', name: 'A' } }),
      http(b, '/estates/garden/vehicles/residents', { token: adminB, body: { plate: '浙C00002', name: 'B' } }),
    ]);
    for (const [i, r] of both.entries()) {
      expect([201, 409], await r.clone().text()).toContain(r.status);
      if (r.status === 409) {
        const node = i === 0 ? a : b;
        await until(`node ${i === 0 ? 'A' : 'B'} caught up`, () => sameLists(), 10_000);
        const retry = await http(node, '/estates/garden/vehicles/residents', { token: i === 0 ? adminA : adminB, body: { plate: `浙C0000${i + 1}`, name: i === 0 ? 'A' : 'B' } });
        expect(retry.status, await retry.clone().text()).toBe(201);
      }
    }
    await until('both residents on both nodes', () => sameLists() && tableRows(a, 'vehicle_residents').length === 4, 10_000);
    expect(a.child.output()).not.toMatch(/cannot be applied on this node/);
    expect(b.child.output()).not.toMatch(/cannot be applied on this node/);
  }, 60_000);
});

describe('gate settings, alert rules, the house registry and the organisation: one truth for all nodes', () => {
  it('changed on either node (REST and the CLI), the same rows on both, the caches that read them refreshed, and each change audited where it was made', async () => {
    const [adminA, adminB] = [await login(a, 'admin', NODE_ADMIN_PASSWORD), await login(b, 'admin', NODE_ADMIN_PASSWORD)];
    const json = async (r: Response) => {
      expect(r.status, await r.clone().text()).toBeLessThan(300);
      return (await r.json()) as Record<string, unknown>;
    };
    // gate settings: B has read (and cached) the defaults; changed on A, B's gates decide by the new ones
    expect((await json(await http(b, '/estates/garden/vehicles/settings', { token: adminB }))).unknownEntry).toBe('review');
    await json(await http(a, '/estates/garden/vehicles/settings', { method: 'PUT', token: adminA, body: { unknownEntry: 'deny', visitorMaxStayHours: 6 } }));
    await until('node B answers the settings A made', async () => {
      const s = await json(await http(b, '/estates/garden/vehicles/settings', { token: adminB }));
      return s.unknownEntry === 'deny' && s.visitorMaxStayHours === 6;
    }, 10_000);

    // the alert rules' estate override: made on B, A's rules use it
    await json(await http(b, '/estates/garden/alert-config', { method: 'PUT', token: adminB, body: { onSiteRadiusM: 55 } }));
    await until('node A has the override B made', () => JSON.stringify(rows(a, 'SELECT estate, scope, target, params FROM alert_config ORDER BY 1, 2, 3')) === JSON.stringify(rows(b, 'SELECT estate, scope, target, params FROM alert_config ORDER BY 1, 2, 3'))
      && rows(a, 'SELECT 1 FROM alert_config WHERE estate = ?', 'garden').length === 1, 10_000);
    const effective = await json(await http(a, '/estates/garden/alert-config', { token: adminA }));
    expect(JSON.stringify(effective)).toContain('"onSiteRadiusM":55');

    // the work-order configuration: B has read (and holds in memory) the defaults; a team made on A is B's too
    expect(((await json(await http(b, '/estates/garden/workorder-config', { token: adminB }))).teams as unknown[]).some((t) => (t as { id: string }).id === 'shr-team')).toBe(false);
    await json(await http(a, '/estates/garden/workorder-config', { method: 'PUT', token: adminA, body: { teams: [{ id: 'shr-team', name: '维修一班 Repairs 1', lead: 'wang', members: ['wang', 'li'] }] } }));
    await until('node B serves the team A made', async () => ((await json(await http(b, '/estates/garden/workorder-config', { token: adminB }))).teams as Array<{ id: string }>).some((t) => t.id === 'shr-team'), 10_000);

    // the house registry generated on A, a device's storey set on B
    const generated = await json(await http(a, '/estates/garden/houses/generate', { token: adminA, body: { units: 2, roomsPerFloor: 2 } }));
    expect(generated.rooms).toBeGreaterThan(0);
    const houses = (node: ClusterNode) => JSON.stringify(rows(node, 'SELECT * FROM house_rooms WHERE estate = ? ORDER BY building, unit, room', 'garden'));
    await until('node B has every room A generated', () => (rows(b, 'SELECT count(*) AS n FROM house_rooms WHERE estate = ?', 'garden')[0] as { n: number }).n === generated.rooms && houses(a) === houses(b), 10_000);
    const [device] = rows(a, "SELECT id FROM devices WHERE estate = 'garden' ORDER BY id LIMIT 1") as Array<{ id: string }>;
    await json(await http(b, `/estates/garden/devices/${device.id}/floor`, { method: 'PUT', token: adminB, body: { floor: 3 } }));
    await until('node A has the storey B set', () => (rows(a, 'SELECT floor FROM devices WHERE id = ?', device.id)[0] as { floor: number | null }).floor === 3, 10_000);

    // the organisation: a district through the CLI against A's data dir, a street and a community over
    // REST on B, the estate placed on A; B's district view has it
    const made = await cli(a, ['org', 'unit', 'add', '--id', 'shr-d', '--kind', 'district', '--name', 'Shared District', '--name-zh', '共享区']);
    expect(made.status, made.stderr).toBe(0);
    await json(await http(b, '/org/units', { token: adminB, body: { id: 'shr-s', kind: 'street', name: 'Shared Street', nameZh: '共享街道', parent: 'shr-d' } }));
    await json(await http(b, '/org/units', { token: adminB, body: { id: 'shr-c', kind: 'community', name: 'Shared Community', nameZh: '共享社区', parent: 'shr-s' } }));
    await until('node A has the street and community B made', () => rows(a, "SELECT id FROM org_units WHERE id LIKE 'shr-%'").length === 3, 10_000);
    await json(await http(a, '/org/estates/garden/community', { method: 'PUT', token: adminA, body: { community: 'shr-c' } }));
    await until('node B places garden in shr-c', async () => {
      const placements = (await (await http(b, '/org/estates', { token: adminB })).json()) as Array<{ estate: string; community: string }>;
      return placements.some((p) => p.estate === 'garden' && p.community === 'shr-c');
    }, 10_000);
    // the 讲评 weights set on B: A scores the month with them
    const weights = { onTime54321: 40, patrolCompletion: 20, deviceAvailability: 10, alertResponse: 10, overdueRectifications: 10, satisfaction: 10 };
    await json(await http(b, '/org/scorecard/weights', { method: 'PUT', token: adminB, body: weights }));
    await until('node A has the weights B set', async () => JSON.stringify(await json(await http(a, '/org/scorecard/weights', { token: adminA }))) === JSON.stringify(weights), 10_000);
    // a unit under a parent neither node has is refused on either, nothing sent
    const orphan = await http(a, '/org/units', { token: adminA, body: { id: 'shr-x', kind: 'street', name: 'X', parent: 'no-such-unit' } });
    expect(orphan.status).toBeGreaterThanOrEqual(400);
    expect(orphan.status).toBeLessThan(500);
    const [{ n }] = await pg.query<{ n: string }>("SELECT count(*) AS n FROM config_rows WHERE entity = 'org_units' AND key LIKE '%shr-x%'");
    expect(Number(n)).toBe(0);

    // audited on the node where each change was made (the write itself was rolled back there and came back through the feed)
    const audited = (node: ClusterNode, action: string) => rows(node, 'SELECT target FROM audit_log WHERE action = ? ORDER BY seq', action).map((r) => (r as { target: string }).target);
    expect(audited(b, 'org.unit.add')).toEqual(['shr-s', 'shr-c']);
    expect(audited(a, 'org.unit.add')).toEqual(['shr-d']);
    expect(audited(a, 'org.estate.move')).toEqual(['garden']);
    expect(audited(a, 'houses.generate')).toHaveLength(1);
    expect(audited(b, 'device.floor.set')).toEqual([device.id]);
    expect(audited(a, 'workorder.config').length + audited(b, 'workorder.config').length).toBe(1);
    expect(audited(b, 'org.scorecard.weights')).toHaveLength(1);
    expect(a.child.output()).not.toMatch(/cannot be applied on this node/);
    expect(b.child.output()).not.toMatch(/cannot be applied on this node/);
  }, 90_000);
});

describe('operators and sessions: one truth for all nodes', () => {
  it('a user added over REST on A logs in on B; a session made on A is valid on B, over REST and for a live dashboard; PostgreSQL holds only the scrypt hash', async () => {
    const admin = await login(a, 'admin', NODE_ADMIN_PASSWORD);
    const add = await http(a, '/users', { token: admin, body: { name: 'wang', role: 'operator', password: 'Guard-pass-2026!', estate: 'garden' } });
    expect(add.status, await add.clone().text()).toBe(201);
    // a duplicate is refused on either node
    await until('node B has wang', () => rows(b, "SELECT name FROM users WHERE name = 'wang'").length === 1, 10_000);
    expect((await http(b, '/users', { token: await login(b, 'admin', NODE_ADMIN_PASSWORD), body: { name: 'wang', role: 'viewer', password: 'Other-pass-2026!' } })).status).toBe(409);

    const onB = await login(b, 'wang', 'Guard-pass-2026!');
    const token = await login(a, 'wang', 'Guard-pass-2026!');
    await until('the session made on A is valid on B', async () => (await me(b, token)) === 200, 10_000);
    expect(await me(a, onB)).toBe(200);
    const scoped = (await (await http(b, '/estates', { token })).json()) as Array<{ id: string }>;
    expect(scoped.map((e) => e.id)).toEqual(['garden']);
    const dash = await connect(`mqtt://127.0.0.1:${b.mqtt}`, 'wang', token, { clientId: 'wang-dash-b' });
    clients.push(dash);

    const secrets = await pg.query<{ n: string }>("SELECT count(*) AS n FROM config_changes WHERE row::text LIKE '%Guard-pass-2026!%' OR row::text LIKE '%' || $1 || '%'", [token]);
    expect(Number(secrets[0].n)).toBe(0);
    const [user] = await pg.query<{ row: { password_hash: string } }>("SELECT row FROM config_rows WHERE entity = 'users' AND key = '[\"wang\"]'");
    expect(user.row.password_hash).toMatch(/^scrypt/);

    // logout on A: the session is gone on B too, and B drops the dashboard that used it
    expect((await http(a, '/auth/logout', { method: 'POST', token })).status).toBe(204);
    await until('node B refuses the ended session', async () => (await me(b, token)) === 401, 10_000);
    await until('node B drops the dashboard of the ended session', () => !dash.connected, 15_000);
    expect(await me(b, onB)).toBe(200); // the other session of wang lives on
  }, 60_000);

  it('a wall screen\'s renewed session (kiosk) made on A is valid on B, so a screen moved to B by the balancer stays signed in', async () => {
    const first = await login(a, 'admin', NODE_ADMIN_PASSWORD);
    const r = await http(a, '/wallscreen/session', { method: 'POST', token: first });
    expect(r.status, await r.clone().text()).toBe(200);
    const renewed = ((await r.json()) as { token: string }).token;
    expect(renewed).not.toBe(first);
    await until('node B accepts the renewed session', async () => (await me(b, renewed)) === 200, 10_000);
  }, 30_000);

  it('a password change on B ends the other sessions on A; the new password works on A, the old one nowhere', async () => {
    const keep = await login(b, 'wang', 'Guard-pass-2026!');
    const other = await login(a, 'wang', 'Guard-pass-2026!');
    await until('both sessions valid on both nodes', async () => (await me(a, keep)) === 200 && (await me(b, other)) === 200, 10_000);
    const r = await http(b, '/auth/password', { token: keep, body: { oldPassword: 'Guard-pass-2026!', newPassword: 'Night-shift-2027?' } });
    expect(r.status, await r.clone().text()).toBe(200);
    expect(((await r.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(1);
    await until('node A ended the other session', async () => (await me(a, other)) === 401, 10_000);
    expect(await me(a, keep)).toBe(200);
    expect((await http(a, '/auth/login', { body: { username: 'wang', password: 'Guard-pass-2026!' } })).status).toBe(401);
    await login(a, 'wang', 'Night-shift-2027?');
  }, 60_000);

  it('user add --update through the CLI on A changes the role on B and ends the user\'s sessions there', async () => {
    const s = await login(b, 'wang', 'Night-shift-2027?');
    const r = cli(a, ['user', 'add', '--name', 'wang', '--role', 'viewer', '--password', 'Day-shift-2027!!', '--estate', 'garden', '--update']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    await until('node B ended the session', async () => (await me(b, s)) === 401, 10_000);
    const t = await login(b, 'wang', 'Day-shift-2027!!');
    expect(((await (await http(b, '/me', { token: t })).json()) as { role: string }).role).toBe('viewer');
  }, 60_000);
});

describe('PostgreSQL down', () => {
  it('sessions keep working on every node; login, user add, estate add, import, a patrol route and a resident fail in one line and nothing is half-written; back up, writes go through again', async () => {
    const admin = await login(a, 'admin', NODE_ADMIN_PASSWORD);
    const s = await login(a, 'wang', 'Day-shift-2027!!');
    await until('the session valid on B', async () => (await me(b, s)) === 200, 10_000);
    const before = { a: estateRows(a, 'garden'), users: rows(a, 'SELECT * FROM users ORDER BY name'), routes: [a, b].map((n) => tableRows(n, 'patrol_routes')), residents: tableRows(a, 'vehicle_residents') };
    const stopsBefore = (rows(a, "SELECT id FROM checkpoints WHERE estate = 'garden' ORDER BY id LIMIT 2") as Array<{ id: string }>).map((r) => r.id);
    await pg.halt();
    try {
      expect(await me(b, s)).toBe(200);
      expect(await me(a, s)).toBe(200);
      const unreachable = `cannot reach the configuration database at postgres://127.0.0.1:${pg.port}/postgres: connection refused (is PostgreSQL running there?); configuration changes need it (check --config-db / SE_CONFIG_DB)`;
      const add = await http(a, '/users', { token: admin, body: { name: 'li', role: 'viewer', password: 'Viewer-pass-2026!' } });
      expect(add.status).toBe(503);
      expect(((await add.json()) as { error: string }).error).toBe(unreachable);
      const logIn = await http(b, '/auth/login', { body: { username: 'wang', password: 'Day-shift-2027!!' } });
      expect(logIn.status).toBe(503);
      // a wrong password is still told as such: PostgreSQL is asked only for a change
      expect((await http(b, '/auth/login', { body: { username: 'wang', password: 'wrong-password-1' } })).status).toBe(401);
      const imp = cli(b, ['import', 'buildings', GARDEN]);
      expect(imp.status).toBe(1);
      expect(imp.stderr).toBe(`smart-estate: ${unreachable}\n`);
      const est = cli(a, ['estate', 'add', '--id', 'west', '--name', 'West', '--lat', '30.1', '--lon', '120.1']);
      expect(est.stderr).toBe(`smart-estate: ${unreachable}\n`);
      const route = await http(a, '/estates/garden/patrol/routes/down', { method: 'PUT', token: admin, body: nightRoute('20:00', stopsBefore) });
      expect(route.status).toBe(503);
      expect(((await route.json()) as { error: string }).error).toBe(unreachable);
      const resident = await http(a, '/estates/garden/vehicles/residents', { token: admin, body: { plate: '浙D99999', name: 'down' } });
      expect(resident.status).toBe(503);
      expect(((await resident.json()) as { error: string }).error).toBe(unreachable);
      const logout = await http(b, '/auth/logout', { method: 'POST', token: s });
      expect(logout.status).toBe(503);
      expect(await me(a, s)).toBe(200);
    } finally {
      await pg.restart();
    }
    for (const node of [a, b]) {
      expect(rows(node, "SELECT id FROM estates WHERE id = 'west'")).toEqual([]);
      expect(rows(node, "SELECT name FROM users WHERE name = 'li'")).toEqual([]);
    }
    expect(JSON.stringify(estateRows(a, 'garden'))).toBe(JSON.stringify(before.a));
    expect(JSON.stringify(rows(a, 'SELECT * FROM users ORDER BY name'))).toBe(JSON.stringify(before.users));
    for (const [i, node] of [a, b].entries()) {
      // each node's own: the demo's garden-round is seeded on each node (its `since` differs)
      expect(JSON.stringify(tableRows(node, 'patrol_routes'))).toBe(JSON.stringify(before.routes[i]));
      expect(JSON.stringify(tableRows(node, 'vehicle_residents'))).toBe(JSON.stringify(before.residents));
    }
    // the first write after the outage goes through and is answered once this node applied it
    const add = await http(a, '/users', { token: admin, body: { name: 'li', role: 'viewer', password: 'Viewer-pass-2026!' } });
    expect(add.status, await add.clone().text()).toBe(201);
    expect(rows(a, "SELECT name FROM users WHERE name = 'li'")).toEqual([{ name: 'li' }]);
    await until('li logs in on B', async () => (await http(b, '/auth/login', { body: { username: 'li', password: 'Viewer-pass-2026!' } })).status === 200, 20_000);
  }, 120_000);
});
