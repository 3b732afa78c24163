// `smart-estate` — the command line: serve, demo, sim, device add, user add, estate add, import buildings.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { randomBytes } from 'node:crypto';
import { DEVICE_CLASSES, ROLES, type DeviceClass, type Role } from '../protocol/index.ts';
import { ConfigError, SETTING_FLAGS, loadConfig, type Config, type SettingFlag } from './config.ts';
import { dbPath, openDb } from './store/db.ts';
import { DeviceError, addDevice } from './store/devices.ts';
import { UserError, addUser } from './store/users.ts';
import { upsertEstate } from './store/estates.ts';
import { startServer, type RunningServer } from './app.ts';
import { ORG_USAGE, OrgError, importDistrictFile, orgCommand } from './org/cli.ts';

const USAGE = `smart-estate — 智慧小区 Smart Estate

Usage:
  smart-estate serve                     run the server (MQTT ${'$'}SE_MQTT_PORT, HTTP/WebSocket ${'$'}SE_HTTP_PORT)
  smart-estate demo [--seed N] [--speed X]
                                         server + demo estate 花园小区 + simulated devices
  smart-estate sim [--url mqtt://127.0.0.1:1883] [--estate garden] [--seed N] [--speed X]
                                         simulated devices against a running server (rotates
                                         the demo devices' tokens in --data-dir)
  smart-estate device add --estate E --id D --kind patrol|camera|gate|sensor [--name N] [--json]
  smart-estate user add --name N --role admin|operator|viewer --password P [--estate E] [--update]
  smart-estate estate add --id E --name N [--name-zh N] --lat LAT --lon LON [--timezone Asia/Shanghai]
  smart-estate import buildings <file.geojson> [--estate E]
  smart-estate demo --district [--seed N]  a generated district (44 estates, 2 streets) + simulated devices
  smart-estate user add … --scope unit:U|company:C   a street / community / company user
${ORG_USAGE}
  smart-estate import houses <file.csv> --estate E [--replace]
                                         the house registry: building,unit,floor,room (楼栋,单元,楼层,室)
  smart-estate houses generate --estate E [--building B] [--units 2] [--rooms 2]
                                         a registry from each building's floors (rooms 301, 302 …)

Settings (flag or environment variable):
  --host            SE_HOST             listen address (default 0.0.0.0; demo: 127.0.0.1)
  --http-port       SE_HTTP_PORT        HTTP, REST, web app and MQTT over WebSocket at /mqtt (default 8080)
  --mqtt-port       SE_MQTT_PORT        MQTT over TCP (default 1883)
  --data-dir        SE_DATA_DIR         SQLite data directory (default ./data)
  --influx-url      SE_INFLUX_URL       e.g. http://127.0.0.1:8086/smart_estate (unset = embedded history)
  --synchronous     SE_SYNCHRONOUS      FULL (power-loss safe, default) or NORMAL (process-crash safe)
  --admin-password  SE_ADMIN_PASSWORD   creates user 'admin' at start when missing
  --web-dir         SE_WEB_DIR          built web app (default dist/web)
`;

const settingOptions = Object.fromEntries(SETTING_FLAGS.map((f) => [f, { type: 'string' }])) as Record<SettingFlag, { type: 'string' }>;

class UsageError extends Error {}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...settingOptions, ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function settings(values: Record<string, unknown>): Config {
  const flags: Partial<Record<SettingFlag, string>> = {};
  for (const f of SETTING_FLAGS) if (typeof values[f] === 'string') flags[f] = values[f] as string;
  return loadConfig(flags);
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function number(values: Record<string, unknown>, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${v}'`);
  return n;
}

function onSignals(server: RunningServer, extra?: () => Promise<void>) {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: shutting down, committing what is queued…\n`);
    await extra?.();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function serve(args: string[]) {
  const { values } = parse(args, {});
  const config = settings(values);
  const server = await startServer({ ...config, adminPassword: config.adminPassword });
  process.stderr.write(`smart-estate: HTTP ${server.httpPort || 'off'}, MQTT ${server.mqttPort || 'off'}${config.tls ? `, HTTPS ${server.httpsPort || 'off'}, MQTTS ${server.mqttsPort || 'off'}` : ''} (host ${config.host}), data ${config.dataDir}\n`);
  onSignals(server);
  // SIGHUP: read the certificate again (renewed by certbot & co.) without dropping a connection.
  process.on('SIGHUP', () => {
    try {
      if (!server.reloadTls()) process.stderr.write('smart-estate: SIGHUP: no --tls-cert to reload\n');
    } catch (err) {
      process.stderr.write(`smart-estate: SIGHUP: certificate not reloaded, the old one stays in use: ${(err as Error).message}\n`);
    }
  });
}

async function demo(args: string[]) {
  const { values } = parse(args, { seed: { type: 'string' }, speed: { type: 'string' }, district: { type: 'boolean' } });
  const config = loadConfig({ host: '127.0.0.1', ...pickSettings(values) });
  if (values.district) return districtDemo(config, number(values, 'seed') ?? 1, number(values, 'speed') ?? 1);
  const { provisionDemo, simulationPlan } = await import('./estate/demo.ts');
  const { startSimulation } = await import('../simulators/index.ts');
  const { printProgress } = await import('../simulators/progress.ts');

  const server = await startServer({ ...config });
  const { estate, credentials } = provisionDemo(server.db);
  const password = randomBytes(9).toString('base64url');
  addUser(server.db, { name: 'demo', role: 'operator', password, estate: estate.id }, { update: true });

  const plan = simulationPlan(server.db, estate.id, credentials);
  const sim = await startSimulation({
    ...plan,
    brokerUrl: `mqtt://127.0.0.1:${server.mqttPort}`,
    seed: number(values, 'seed') ?? 1,
    speed: number(values, 'speed') ?? 1,
    onProgress: printProgress(),
  });
  const shown = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  process.stdout.write(
    [
      '',
      `  智慧小区 Smart Estate — demo estate ${estate.nameZh} (${estate.id}) with ${credentials.length} simulated devices`,
      `  Dashboard 大屏:  http://${shown}:${server.httpPort}/`,
      `  Login 登录:      demo / ${password}    (operator, estate ${estate.id})`,
      `  MQTT:            mqtt://${shown}:${server.mqttPort}   data: ${config.dataDir}`,
      '  Ctrl-C stops.',
      '',
      '',
    ].join('\n'),
  );
  onSignals(server, () => sim.stop());
}

async function districtDemo(config: Config, seed: number, speed: number) {
  const { provisionDistrict, DISTRICT_ID } = await import('./estate/district-demo.ts');
  const { startSimulation } = await import('../simulators/index.ts');
  const server = await startServer({ ...config });
  const { estates, credentials } = provisionDistrict(server.db, { seed });
  const password = randomBytes(9).toString('base64url');
  addUser(server.db, { name: 'district', role: 'viewer', password, estate: `unit:${DISTRICT_ID}` }, { update: true });
  const sims: Array<{ stop(): Promise<void> }> = [];
  for (const e of estates) {
    const devices = credentials.filter((c) => c.estate === e.id);
    if (!devices.length) continue;
    sims.push(await startSimulation({ estate: { id: e.id, lat: e.lat, lon: e.lon, timezone: e.timezone }, devices, checkpoints: [], brokerUrl: `mqtt://127.0.0.1:${server.mqttPort}`, seed: seed + sims.length, speed }));
  }
  const shown = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  process.stdout.write(
    [
      '',
      `  智慧小区 Smart Estate — demo district 示范区: ${estates.length} estates, ${credentials.length} simulated devices`,
      `  District screen 区级大屏: http://${shown}:${server.httpPort}/district/${DISTRICT_ID}`,
      `  Scorecard 月度讲评:       http://${shown}:${server.httpPort}/district/${DISTRICT_ID}/scorecard`,
      `  Login 登录:               district / ${password}    (viewer, unit ${DISTRICT_ID})`,
      '  Ctrl-C stops.',
      '',
      '',
    ].join('\n'),
  );
  onSignals(server, async () => {
    for (const s of sims) await s.stop();
  });
}

function pickSettings(values: Record<string, unknown>): Partial<Record<SettingFlag, string>> {
  const flags: Partial<Record<SettingFlag, string>> = {};
  for (const f of SETTING_FLAGS) if (typeof values[f] === 'string') flags[f] = values[f] as string;
  return flags;
}

async function sim(args: string[]) {
  const { values } = parse(args, { url: { type: 'string' }, estate: { type: 'string' }, seed: { type: 'string' }, speed: { type: 'string' } });
  const config = settings(values);
  const { provisionDemo, simulationPlan } = await import('./estate/demo.ts');
  const { startSimulation } = await import('../simulators/index.ts');
  const { printProgress } = await import('../simulators/progress.ts');
  const db = openDb(dbPath(config.dataDir));
  const { estate, credentials } = provisionDemo(db);
  const plan = simulationPlan(db, (values.estate as string | undefined) ?? estate.id, credentials);
  db.close();
  const brokerUrl = (values.url as string | undefined) ?? `mqtt://127.0.0.1:${config.mqttPort}`;
  const run = await startSimulation({ ...plan, brokerUrl, seed: number(values, 'seed') ?? 1, speed: number(values, 'speed') ?? 1, onProgress: printProgress() });
  process.stderr.write(`smart-estate sim: ${credentials.length} devices connected to ${brokerUrl}; Ctrl-C stops\n`);
  const stop = async () => {
    await run.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

function deviceAdd(args: string[]) {
  const { values } = parse(args, {
    estate: { type: 'string' }, id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' },
    x: { type: 'string' }, y: { type: 'string' }, heading: { type: 'string' }, fov: { type: 'string' }, json: { type: 'boolean' },
  });
  const kind = required(values, 'kind');
  if (!DEVICE_CLASSES.includes(kind as DeviceClass)) throw new UsageError(`--kind must be one of ${DEVICE_CLASSES.join(', ')}`);
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    const d = {
      estate: required(values, 'estate'), id: required(values, 'id'), kind: kind as DeviceClass, name: values.name as string | undefined,
      x: number(values, 'x') ?? null, y: number(values, 'y') ?? null, heading: number(values, 'heading') ?? null, fov: number(values, 'fov') ?? null,
    };
    const token = addDevice(db, d);
    if (values.json) process.stdout.write(JSON.stringify({ estate: d.estate, id: d.id, kind: d.kind, token }) + '\n');
    else {
      process.stdout.write(`device ${d.id} (${d.kind}) added to estate ${d.estate}\ntoken (shown once, store it on the device): ${token}\n`);
      process.stdout.write(`MQTT: username=${d.id} password=<token>, publish to estates/${d.estate}/devices/${d.id}/{checkin|camera|vehicle|position|status}\n`);
    }
  } finally {
    db.close();
  }
}

function userAdd(args: string[]) {
  const { values } = parse(args, { name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' }, estate: { type: 'string' }, scope: { type: 'string' }, update: { type: 'boolean' } });
  if (values.scope) values.estate = values.scope;
  const role = required(values, 'role');
  if (!ROLES.includes(role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    const user = addUser(db, { name: required(values, 'name'), role: role as Role, password: required(values, 'password'), estate: (values.estate as string) ?? null }, { update: Boolean(values.update) });
    process.stdout.write(`user ${user.name} (${user.role}, ${user.estate ? `estate ${user.estate}` : 'all estates'}) saved\n`);
  } finally {
    db.close();
  }
}

function estateAdd(args: string[]) {
  const { values } = parse(args, { id: { type: 'string' }, name: { type: 'string' }, 'name-zh': { type: 'string' }, lat: { type: 'string' }, lon: { type: 'string' }, timezone: { type: 'string' } });
  const lat = number(values, 'lat');
  const lon = number(values, 'lon');
  if (lat === undefined || lat < -90 || lat > 90) throw new UsageError('--lat (−90…90) is required');
  if (lon === undefined || lon < -180 || lon > 180) throw new UsageError('--lon (−180…180) is required');
  const timezone = (values.timezone as string) ?? 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new UsageError(`--timezone '${timezone}' is not an IANA time zone (e.g. Asia/Shanghai)`);
  }
  const id = required(values, 'id');
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    const name = required(values, 'name');
    upsertEstate(db, { id, name, nameZh: (values['name-zh'] as string) ?? name, lat, lon, timezone });
    process.stdout.write(`estate ${id} saved\n`);
  } finally {
    db.close();
  }
}

async function importBuildings(args: string[]) {
  const { values, positionals } = parse(args, { estate: { type: 'string' } });
  const file = positionals[0];
  if (!file) throw new UsageError('usage: smart-estate import buildings <file.geojson> [--estate E]');
  const config = settings(values);
  const { importEstateFile } = await import('./estate/import.ts');
  const db = openDb(dbPath(config.dataDir));
  try {
    const summary = importEstateFile(db, file, { estate: values.estate as string | undefined });
    process.stdout.write(`imported ${file} into estate ${summary.estate}: ${summary.buildings} buildings, ${summary.zones} zones, ${summary.checkpoints} checkpoints, ${summary.devices} devices\n`);
  } finally {
    db.close();
  }
}

function withDb(args: string[], fn: (db: ReturnType<typeof openDb>, positionals: string[], values: Record<string, unknown>) => string, options: NonNullable<ParseArgsConfig['options']> = {}) {
  const { values, positionals } = parse(args, options);
  const db = openDb(dbPath(settings(values).dataDir));
  try {
    process.stdout.write(fn(db, positionals, values) + '\n');
  } finally {
    db.close();
  }
}

async function importHouses(args: string[]) {
  const { values, positionals } = parse(args, { estate: { type: 'string' }, replace: { type: 'boolean' } });
  const file = positionals[0];
  if (!file) throw new UsageError('usage: smart-estate import houses <file.csv> --estate E [--replace]');
  const estate = required(values, 'estate');
  const { readFileSync } = await import('node:fs');
  const { parseHouseCsv } = await import('./houses/csv-import.ts');
  const { buildingLookup } = await import('./houses/routes.ts');
  const { writeRooms } = await import('./houses/registry.ts');
  const { recordAudit } = await import('./audit/log.ts');
  const { userInfo } = await import('node:os');
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    const parsed = parseHouseCsv(readFileSync(file, 'utf8'), buildingLookup(db, estate));
    if (!parsed.ok) throw new UsageError(`${file}: nothing imported:\n  ${parsed.errors.join('\n  ')}`);
    const summary = db.transaction(() => {
      const s = writeRooms(db, estate, parsed.rooms, { replace: Boolean(values.replace) });
      recordAudit(db, { actor: `cli:${userInfo().username}`, source: 'cli', action: 'houses.import', estate, summary: { ...s, replace: Boolean(values.replace) } });
      return s;
    })();
    process.stdout.write(`imported ${file} into estate ${estate}: ${summary.rooms} rooms in ${summary.buildings} buildings\n`);
  } finally {
    db.close();
  }
}

async function housesGenerate(args: string[]) {
  const { values } = parse(args, { estate: { type: 'string' }, building: { type: 'string' }, units: { type: 'string' }, rooms: { type: 'string' } });
  const estate = required(values, 'estate');
  const count = (name: 'units' | 'rooms') => {
    if (values[name] === undefined) return undefined;
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number ≥ 1`);
    return n;
  };
  const { generateRooms, writeRooms } = await import('./houses/registry.ts');
  const { listBuildings } = await import('./store/estates.ts');
  const { recordAudit } = await import('./audit/log.ts');
  const { userInfo } = await import('node:os');
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    const buildings = listBuildings(db, estate).filter((b) => values.building === undefined || b.id === values.building);
    if (!buildings.length) throw new UsageError(values.building ? `building '${String(values.building)}' not found in estate ${estate}` : `estate ${estate} has no buildings`);
    const options = { units: count('units'), roomsPerFloor: count('rooms') };
    const rooms = buildings.flatMap((b) => generateRooms(b, options));
    const summary = db.transaction(() => {
      const s = writeRooms(db, estate, rooms, { replace: true });
      recordAudit(db, { actor: `cli:${userInfo().username}`, source: 'cli', action: 'houses.generate', estate, target: (values.building as string | undefined) ?? null, summary: { ...s, ...options } });
      return s;
    })();
    process.stdout.write(`generated ${summary.rooms} rooms in ${summary.buildings} buildings of estate ${estate}\n`);
  } finally {
    db.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  const args = sub === undefined ? [] : [sub, ...rest];
  switch (command) {
    case 'serve':
      return serve(args);
    case 'demo':
      return demo(args);
    case 'sim':
      return sim(args);
    case 'device':
      if (sub !== 'add') throw new UsageError('usage: smart-estate device add --estate E --id D --kind K');
      return deviceAdd(rest);
    case 'user':
      if (sub !== 'add') throw new UsageError('usage: smart-estate user add --name N --role R --password P');
      return userAdd(rest);
    case 'estate':
      if (sub !== 'add') throw new UsageError('usage: smart-estate estate add --id E --name N --lat LAT --lon LON');
      return estateAdd(rest);
    case 'import':
      if (sub === 'district') return withDb(rest, (db, positionals) => {
        if (!positionals[0]) throw new UsageError('usage: smart-estate import district <file.csv|file.geojson>');
        return importDistrictFile(db, positionals[0]);
      });
      if (sub === 'houses') return importHouses(rest);
      if (sub !== 'buildings') throw new UsageError('usage: smart-estate import buildings <file.geojson> | import district <file.csv|file.geojson> | import houses <file.csv> --estate E');
      return importBuildings(rest);
    case 'org': {
      const [verb, ...more] = rest;
      return withDb(more, (db, _p, values) => orgCommand(db, sub ?? '', verb ?? '', values), {
        id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, 'name-zh': { type: 'string' }, parent: { type: 'string' },
        fallback: { type: 'boolean' }, estate: { type: 'string' }, community: { type: 'string' }, company: { type: 'string' }, at: { type: 'string' },
      });
    }
    case 'houses':
      if (sub !== 'generate') throw new UsageError('usage: smart-estate houses generate --estate E [--building B]');
      return housesGenerate(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof UsageError) process.stderr.write(`smart-estate: ${err.message}\n\n${USAGE}`);
  else if (err instanceof ConfigError || err instanceof DeviceError || err instanceof UserError || err instanceof OrgError) process.stderr.write(`smart-estate: ${err.message}\n`);
  else process.stderr.write(`smart-estate: ${(err as Error)?.stack ?? err}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
