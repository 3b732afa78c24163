// `smart-estate` — the command line: serve, demo, sim, device add, user add, estate add, import buildings.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { randomBytes } from 'node:crypto';
import { DEVICE_CLASSES, ROLES, type DeviceClass, type Role } from '../protocol/index.ts';
import { ConfigError, SETTING_FLAGS, loadConfig, settingEnv, type Config, type SettingFlag } from './config.ts';
import { dbPath, openDb } from './store/db.ts';
import { DeviceError, addDevice, getDevice, revokeDevice } from './store/devices.ts';
import { cliActor, recordAudit, queryAudit, type AuditQuery } from './audit/log.ts';
import { auditCsv } from './audit/csv.ts';
import { BackupError, backupDatabase, restoreDatabase } from './backup/backup.ts';
import { EstateFileError } from './estate/geojson.ts';
import { UserError, addUser, getUser } from './store/users.ts';
import { upsertEstate } from './store/estates.ts';
import { startServer, type RunningServer } from './app.ts';
import { ORG_USAGE, OrgError, importDistrictFile, orgCommand } from './org/cli.ts';
import { ClusterError } from './cluster/redis.ts';
import { ConfigDbError, addDeviceShared, configChange, revokeDeviceShared, uploadShared } from './cluster/config-db.ts';
import { getEstate } from './store/estates.ts';

const SETTING_HELP: Partial<Record<SettingFlag, string>> = {
  host: 'listen address (default 0.0.0.0; demo: 127.0.0.1)',
  'http-port': 'HTTP, REST, web app and MQTT over WebSocket at /mqtt (default 8080)',
  'mqtt-port': 'MQTT over TCP (default 1883)',
  'data-dir': 'SQLite data directory (default ./data)',
  'influx-url': 'e.g. http://127.0.0.1:8086/smart_estate (unset = embedded history)',
  synchronous: 'FULL (power-loss safe, default) or NORMAL (process-crash safe)',
  'admin-password': "creates user 'admin' at start when missing",
  'web-dir': 'built web app (default dist/web)',
  'retention-days': 'raw events kept this many days (default 30)',
  'journal-keep-days': 'with InfluxDB: forwarded journal rows kept this many days (default 7)',
  'min-free-mb': 'pause ingest below this much free disk (MiB, default 512)',
  'proxy-protocol': 'on: every listener reads a PROXY v1/v2 header (haproxy send-proxy) from --trusted-proxies (default off)',
  'trusted-proxies': 'addresses/CIDRs whose PROXY headers are believed (default 127.0.0.1,::1)',
  cluster: 'redis://host:6379: one node of a cluster sharing Redis (needs --influx-url; docs/scale-out.md)',
  'node-id': "this node's name in the cluster (default host name + data-dir hash, stable across restarts)",
  'config-db': 'postgres://user:pw@host:5432/db: configuration shared by every node (devices, estates and imports, users and sessions; docs/scale-out.md)',
};

/** Built from config.ts's SETTINGS, so a setting added there shows up here by itself. */
function settingsHelp(): string {
  const rows = SETTING_FLAGS.map((f) => `  --${f.padEnd(18)} ${settingEnv(f).padEnd(22)} ${SETTING_HELP[f] ?? ''}`.trimEnd());
  return `Settings (flag or environment variable; every command takes them):\n${rows.join('\n')}\n`;
}

/** Each command's usage and its own options; `smart-estate <command> --help` prints it. */
const COMMANDS: Record<string, { usage: string; about: string; options?: string[] }> = {
  serve: { usage: 'smart-estate serve', about: 'run the server (MQTT, HTTP/WebSocket, REST, web app)' },
  demo: {
    usage: 'smart-estate demo [--seed N] [--speed X] [--district]', about: 'server + demo estate 花园小区 + simulated devices (--district: a generated district of 45 estates)',
    options: ['--seed N        random seed of the simulation (default 1)', '--speed X       simulated time runs X times faster (default 1)', '--district      a generated district (2 streets, 5 communities, 4 companies, 45 estates) instead of one estate'],
  },
  sim: {
    usage: 'smart-estate sim [--url mqtt://127.0.0.1:1883] [--estate garden] [--seed N] [--speed X]',
    about: "simulated devices against a running server (rotates the demo devices' tokens in --data-dir)",
    options: ['--url URL       the broker (default mqtt://127.0.0.1:<mqtt-port>)', '--estate E      estate to simulate (default the demo estate)', '--seed N, --speed X  as for demo'],
  },
  'device add': {
    usage: 'smart-estate device add --estate E --id D --kind patrol|camera|gate|sensor [--name N] [--x X --y Y] [--heading H] [--fov F] [--rotate] [--json]',
    about: 'register a device and print its token (shown once)',
    options: ['--rotate        the device exists: issue a new token (also re-enables a revoked device)', '--json          print {estate, id, kind, token} as JSON'],
  },
  'device revoke': { usage: 'smart-estate device revoke --id D', about: 'revoke a device: it can no longer connect, and a running server disconnects it' },
  'user add': {
    usage: 'smart-estate user add --name N --role admin|operator|viewer --password P [--estate E | --scope unit:U|company:C] [--update]',
    about: 'create (or with --update change) an operator', options: ['--estate E      scope the user to one estate (default all estates)', '--scope S       unit:U (a street / community officer) or company:C (a property company)', '--update        the user exists: change role, estate and password'],
  },
  'estate add': { usage: 'smart-estate estate add --id E --name N [--name-zh N] --lat LAT --lon LON [--timezone Asia/Shanghai]', about: 'create or update an estate' },
  'import buildings': {
    usage: 'smart-estate import buildings <file.geojson> [--estate E] [--dry-run]',
    about: 'import an estate file (buildings, zones, checkpoints, gates, devices); all or nothing',
    options: ['--estate E      the estate id (for files without "se:estate")', '--dry-run       check the file and report what would be imported; change nothing'],
  },
  'import district': {
    usage: 'smart-estate import district <file.csv|file.geojson>',
    about: "import a district's estates (id,name,name_zh,lat,lon,community,company,kind); every bad row reported, all or nothing",
  },
  'import houses': {
    usage: 'smart-estate import houses <file.csv> --estate E [--replace]',
    about: 'the house registry: building,unit,floor,room (楼栋,单元,楼层,室); every bad line reported, all or nothing',
  },
  'houses generate': {
    usage: 'smart-estate houses generate --estate E [--building B] [--units 2] [--rooms 2]',
    about: "a house registry from each building's floors (rooms 301, 302 …)",
  },
  org: {
    usage: ORG_USAGE.trim().split('\n').filter((l) => !l.includes('import district')).map((l) => l.trim()).join('\n  '),
    about: 'organisation units (district → street → community), property companies, which estate belongs where and who manages it',
  },
  'config upload': {
    usage: 'smart-estate config upload --config-db postgres://… [--data-dir D]',
    about: "a single node's configuration (estates, devices, operators, routes, lists, houses, the organisation) into the shared configuration of a cluster; rows it already holds are kept as they are there; run again, it sends nothing",
  },
  audit: {
    usage: 'smart-estate audit [--estate E] [--actor A] [--action device.] [--target T] [--since 2026-01-01|24h] [--limit N] [--csv]',
    about: 'the audit log, newest first: who changed what, when, from where',
    options: ["--action A      an action (device.add) or a prefix ending in '.' (device.)", '--since T       ISO 8601 time, or an age like 30m, 24h, 7d', '--limit N       at most N entries (default 50)', '--csv           CSV (with a BOM, for spreadsheets)'],
  },
  backup: {
    usage: 'smart-estate backup --to FILE [--force]', about: 'consistent online copy of the database, safe while the server runs',
    options: ['--to FILE       where to write the copy', '--force         overwrite FILE if it exists'],
  },
  restore: {
    usage: 'smart-estate restore --from FILE [--data-dir D] [--force]', about: 'put a backup in place as the data dir\'s database (the server must be stopped)',
    options: ['--from FILE     a file made by smart-estate backup', '--force         replace an existing database in the data dir'],
  },
};

const USAGE = `smart-estate — 智慧小区 Smart Estate

Usage:
${Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.about}`).join('\n')}

Every command answers --help; --debug shows a stack trace on errors.

${settingsHelp()}`;

function commandHelp(key: string): string {
  const c = COMMANDS[key];
  return `Usage: ${c.usage}\n\n${c.about}\n${c.options?.length ? `\nOptions:\n${c.options.map((o) => `  ${o}`).join('\n')}\n` : ''}\n${settingsHelp()}`;
}

const settingOptions = Object.fromEntries(SETTING_FLAGS.map((f) => [f, { type: 'string' }])) as Record<SettingFlag, { type: 'string' }>;

/** A mistake in how the command was called: one line, and where to read more. */
class UsageError extends Error {
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command ?? currentCommand;
  }
}
/** The command being run (for the "see … --help" hint). */
let currentCommand: string | undefined;
/** A problem the user can fix (a file, a state): one line, no usage. */
class CliError extends Error {}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, _command?: string) {
  try {
    return parseArgs({ args, options: { ...settingOptions, ...options, help: { type: 'boolean', short: 'h' }, debug: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function settings(values: Record<string, unknown>): Config {
  const flags: Partial<Record<SettingFlag, string>> = {};
  for (const f of SETTING_FLAGS) if (typeof values[f] === 'string') flags[f] = values[f] as string;
  return loadConfig(flags);
}

function required(values: Record<string, unknown>, name: string, _command?: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function number(values: Record<string, unknown>, name: string, _command?: string): number | undefined {
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
  process.stderr.write(`smart-estate: HTTP ${server.httpPort || 'off'}, MQTT ${server.mqttPort || 'off'}${config.tls ? `, HTTPS ${server.httpsPort || 'off'}, MQTTS ${server.mqttsPort || 'off'}` : ''} (host ${config.host}), data ${config.dataDir}${server.cluster ? `, cluster node ${server.cluster.nodeId}` : ''}\n`);
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

async function deviceAdd(args: string[]) {
  const { values } = parse(args, {
    estate: { type: 'string' }, id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' },
    x: { type: 'string' }, y: { type: 'string' }, heading: { type: 'string' }, fov: { type: 'string' }, json: { type: 'boolean' }, rotate: { type: 'boolean' },
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
    const rotate = Boolean(values.rotate);
    // the token never goes into the audit summary: only what was registered
    const audit = () => recordAudit(db, { actor: cliActor(), source: 'cli', action: rotate ? 'device.rotate' : 'device.add', estate: d.estate, target: d.id, summary: { kind: d.kind, name: d.name ?? d.id } });
    let token: string;
    if (config.configDb) {
      // the shared configuration: PostgreSQL first, every node applies it from there (its hash only)
      token = (await addDeviceShared(config.configDb, d, { rotate, estateExists: (e) => getEstate(db, e) !== undefined })).token;
      audit();
    } else {
      token = db.transaction(() => {
        const t = addDevice(db, d, { rotate });
        audit();
        return t;
      })();
    }
    if (values.json) process.stdout.write(JSON.stringify({ estate: d.estate, id: d.id, kind: d.kind, token }) + '\n');
    else {
      process.stdout.write(`device ${d.id} (${d.kind}) added to estate ${d.estate}\ntoken (shown once, store it on the device): ${token}\n`);
      process.stdout.write(`MQTT: username=${d.id} password=<token>, publish to estates/${d.estate}/devices/${d.id}/{checkin|camera|vehicle|position|status}\n`);
    }
  } finally {
    db.close();
  }
}

async function userAdd(args: string[]) {
  const { values } = parse(args, { name: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' }, estate: { type: 'string' }, scope: { type: 'string' }, update: { type: 'boolean' } });
  if (values.scope) values.estate = values.scope;
  const role = required(values, 'role');
  if (!ROLES.includes(role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    const name = required(values, 'name');
    const password = required(values, 'password');
    const before = getUser(db, name);
    // with --config-db the user (its password hash) and the sessions an update ends go to every node
    const user = await configChange(db, shared(config), () => addUser(db, { name, role: role as Role, password, estate: (values.estate as string) ?? null }, { update: Boolean(values.update) }), (u) => {
      // never the password: only what changed about the user
      recordAudit(db, {
        actor: cliActor(), source: 'cli', action: before ? 'user.update' : 'user.add', estate: u.estate, target: u.name,
        summary: before ? { role: u.role, estate: u.estate, previous: { role: before.role, estate: before.estate }, password: 'changed' } : { role: u.role, estate: u.estate },
      });
    });
    process.stdout.write(`user ${user.name} (${user.role}, ${user.estate ? `estate ${user.estate}` : 'all estates'}) saved\n`);
  } finally {
    db.close();
  }
}

async function estateAdd(args: string[]) {
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
    const estate = { id, name, nameZh: (values['name-zh'] as string) ?? name, lat, lon, timezone };
    await configChange(db, shared(config), () => upsertEstate(db, estate), () => {
      recordAudit(db, { actor: cliActor(), source: 'cli', action: 'estate.add', estate: id, target: id, summary: estate });
    });
    process.stdout.write(`estate ${id} saved${config.configDb ? ' in the shared configuration' : ''}\n`);
  } finally {
    db.close();
  }
}

async function importBuildings(args: string[]) {
  const { values, positionals } = parse(args, { estate: { type: 'string' }, 'dry-run': { type: 'boolean' } }, 'import buildings');
  const file = positionals[0];
  if (!file) throw new UsageError('which file? give the estate file: smart-estate import buildings <file.geojson>', 'import buildings');
  const config = settings(values);
  const { importEstate, readEstateFile } = await import('./estate/import.ts');
  // the file is read and checked in full before the database is opened: a bad file changes nothing
  const parsed = readEstateFile(file, { estate: values.estate as string | undefined });
  const counts = `${parsed.buildings.length} buildings, ${parsed.zones.length} zones, ${parsed.checkpoints.length} checkpoints, ${parsed.gates.length} gates, ${parsed.devices.length} devices`;
  if (values['dry-run']) {
    process.stdout.write(`dry run: ${file} is valid; would import into estate ${parsed.estate.id}: ${counts}${parsed.skipped.length ? ` (${parsed.skipped.length} features that are none of these skipped)` : ''}; nothing changed\n`);
    return;
  }
  const db = openDb(dbPath(config.dataDir));
  try {
    // with --config-db every row of the file (the estate, its buildings … and its devices) goes to every node
    const summary = await configChange(db, shared(config), () => importEstate(db, parsed), (s) => {
      recordAudit(db, {
        actor: cliActor(), source: 'cli', action: 'estate.import', estate: s.estate, target: file,
        summary: { buildings: s.buildings, zones: s.zones, checkpoints: s.checkpoints, gates: s.gates, devices: s.devices, newDevices: s.newDevices },
      });
    });
    process.stdout.write(`imported ${file} into estate ${summary.estate}: ${summary.buildings} buildings, ${summary.zones} zones, ${summary.checkpoints} checkpoints, ${summary.devices} devices\n`);
  } finally {
    db.close();
  }
}

/** The CLI's target for configChange: --config-db / SE_CONFIG_DB, or null (this data dir only). */
function shared(config: Config): { url: string } | null {
  return config.configDb ? { url: config.configDb } : null;
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

/**
 * Like withDb, for a configuration change: with --config-db / SE_CONFIG_DB it goes to the shared
 * configuration (every node applies it; this data dir is brought up to it), else to this data dir.
 */
async function withConfigChange(args: string[], fn: (db: ReturnType<typeof openDb>, positionals: string[], values: Record<string, unknown>) => string, options: NonNullable<ParseArgsConfig['options']> = {}) {
  const { values, positionals } = parse(args, options);
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    process.stdout.write((await configChange(db, shared(config), () => fn(db, positionals, values))) + '\n');
  } finally {
    db.close();
  }
}

async function configUpload(args: string[]) {
  const { values } = parse(args, {}, 'config upload');
  const config = settings(values);
  if (!config.configDb) throw new UsageError('--config-db postgres://… (or SE_CONFIG_DB) is required: the shared configuration to upload into');
  const db = openDb(dbPath(config.dataDir));
  try {
    process.stdout.write(`uploading the configuration of ${config.dataDir}…\n`);
    const r = await uploadShared(db, config.configDb, (line) => process.stdout.write(`  ${line}\n`));
    const uploaded = r.tables.reduce((n, t) => n + t.uploaded, 0);
    const kept = r.tables.reduce((n, t) => n + t.kept, 0);
    recordAudit(db, { actor: cliActor(), source: 'cli', action: 'config.upload', summary: { uploaded, kept, seq: r.seq } });
    process.stdout.write(uploaded ? `uploaded ${uploaded} rows (change ${r.seq}); ${kept} kept as the shared configuration has them; every node applies them\n` : `nothing to upload: the shared configuration holds every row of this data dir (${kept} rows)\n`);
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
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    const parsed = parseHouseCsv(readFileSync(file, 'utf8'), buildingLookup(db, estate));
    if (!parsed.ok) throw new UsageError(`${file}: nothing imported:\n  ${parsed.errors.join('\n  ')}`);
    const summary = await configChange(db, shared(config), () => writeRooms(db, estate, parsed.rooms, { replace: Boolean(values.replace) }), (s) =>
      recordAudit(db, { actor: cliActor(), source: 'cli', action: 'houses.import', estate, summary: { ...s, replace: Boolean(values.replace) } }),
    );
    process.stdout.write(`imported ${file} into estate ${estate}: ${summary.rooms} rooms in ${summary.buildings} buildings\n`);
  } finally {
    db.close();
  }
}

async function deviceRevoke(args: string[]) {
  const { values } = parse(args, { id: { type: 'string' } }, 'device revoke');
  const id = required(values, 'id', 'device revoke');
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    if (config.configDb) {
      const { device } = await revokeDeviceShared(config.configDb, id);
      recordAudit(db, { actor: cliActor(), source: 'cli', action: 'device.revoke', estate: device.estate, target: id, summary: { kind: device.kind } });
      process.stdout.write(`device ${id} (estate ${device.estate}) revoked in the shared configuration: it can no longer connect; every node disconnects it as it applies the change (at once while it is linked to the configuration database)\n`);
      return;
    }
    const device = getDevice(db, id);
    if (!device) throw new CliError(`device '${id}' not found in ${config.dataDir}: check --id (and --data-dir)`);
    db.transaction(() => {
      revokeDevice(db, id);
      recordAudit(db, { actor: cliActor(), source: 'cli', action: 'device.revoke', estate: device.estate, target: id, summary: { kind: device.kind } });
    })();
    process.stdout.write(`device ${id} (estate ${device.estate}) revoked: it can no longer connect; a running server disconnects it within a second\n`);
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
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir));
  try {
    const buildings = listBuildings(db, estate).filter((b) => values.building === undefined || b.id === values.building);
    if (!buildings.length) throw new UsageError(values.building ? `building '${String(values.building)}' not found in estate ${estate}` : `estate ${estate} has no buildings`);
    const options = { units: count('units'), roomsPerFloor: count('rooms') };
    const rooms = buildings.flatMap((b) => generateRooms(b, options));
    const summary = await configChange(db, shared(config), () => writeRooms(db, estate, rooms, { replace: true }), (s) =>
      recordAudit(db, { actor: cliActor(), source: 'cli', action: 'houses.generate', estate, target: (values.building as string | undefined) ?? null, summary: { ...s, ...options } }),
    );
    process.stdout.write(`generated ${summary.rooms} rooms in ${summary.buildings} buildings of estate ${estate}\n`);
  } finally {
    db.close();
  }
}

/** `24h`, `30m`, `7d`, or an ISO 8601 time. */
function since(raw: string): number {
  const age = /^(\d+)\s*([smhd])$/.exec(raw.trim());
  if (age) return Date.now() - Number(age[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[age[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(raw);
  if (!Number.isFinite(t)) throw new UsageError(`--since '${raw}' is neither an ISO 8601 time (2026-01-31T08:00) nor an age (30m, 24h, 7d)`, 'audit');
  return t;
}

function audit(args: string[]) {
  const { values } = parse(args, {
    estate: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string' }, target: { type: 'string' },
    since: { type: 'string' }, limit: { type: 'string' }, csv: { type: 'boolean' },
  }, 'audit');
  const limit = number(values, 'limit', 'audit') ?? 50;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number ≥ 1, got '${String(values.limit)}'`, 'audit');
  const config = settings(values);
  const db = openDb(dbPath(config.dataDir), { readonly: true });
  try {
    const q: AuditQuery = {
      estate: values.estate as string | undefined, actor: values.actor as string | undefined, action: values.action as string | undefined,
      target: values.target as string | undefined, from: values.since === undefined ? undefined : since(values.since as string), limit,
    };
    const rows = queryAudit(db, q);
    if (values.csv) return void process.stdout.write(auditCsv(rows));
    if (!rows.length) return void process.stdout.write('no audit entries match\n');
    for (const r of rows) {
      process.stdout.write(`${new Date(r.at).toISOString()}  ${r.actor.padEnd(14)} ${(r.source ?? '').padEnd(15)} ${r.action.padEnd(16)} ${(r.estate ?? '-').padEnd(10)} ${r.target ?? '-'}  ${r.summary === null ? '' : JSON.stringify(r.summary)}\n`);
    }
  } finally {
    db.close();
  }
}

async function backup(args: string[]) {
  const { values } = parse(args, { to: { type: 'string' }, force: { type: 'boolean' } }, 'backup');
  const to = required(values, 'to', 'backup');
  const config = settings(values);
  let shown = -1;
  const r = await backupDatabase(config.dataDir, to, {
    force: Boolean(values.force),
    onProgress: ({ totalPages, remainingPages }) => {
      const pct = totalPages ? Math.floor(((totalPages - remainingPages) / totalPages) * 100) : 100;
      if (pct !== shown) process.stderr.write(`backup: ${pct}% (${totalPages - remainingPages}/${totalPages} pages)\n`);
      shown = pct;
    },
  });
  process.stderr.write(`backup: 100% (${r.pages}/${r.pages} pages), checked\n`);
  process.stdout.write(`backup of ${config.dataDir} written to ${r.file}: ${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${Math.round(r.ms)} ms${r.restarts ? ` (restarted ${r.restarts}× by the server's writes)` : ''}\n`);
}

function restore(args: string[]) {
  const { values } = parse(args, { from: { type: 'string' }, force: { type: 'boolean' } }, 'restore');
  const from = required(values, 'from', 'restore');
  const config = settings(values);
  const r = restoreDatabase(from, config.dataDir, { force: Boolean(values.force) });
  process.stdout.write(`restored ${from} to ${r.file}${r.replaced ? ' (replacing the database that was there)' : ''}; start the server with --data-dir ${config.dataDir}\n`);
}

let debug = false;

export async function main(argv: string[]): Promise<void> {
  debug = argv.includes('--debug');
  argv = argv.filter((a) => a !== '--debug');
  const [command, sub, ...rest] = argv;
  const args = sub === undefined ? [] : [sub, ...rest];
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  const key = command && sub && COMMANDS[`${command} ${sub}`] ? `${command} ${sub}` : command;
  if (key && COMMANDS[key]) currentCommand = key;
  if (key && COMMANDS[key] && wantsHelp) return void process.stdout.write(commandHelp(key));
  switch (command) {
    case 'serve':
      return serve(args);
    case 'demo':
      return demo(args);
    case 'sim':
      return sim(args);
    case 'device':
      if (sub === 'add') return deviceAdd(rest);
      if (sub === 'revoke') return deviceRevoke(rest);
      throw new UsageError(`'device ${sub ?? ''}' is not a command: use 'device add' or 'device revoke'`);
    case 'user':
      if (sub !== 'add') throw new UsageError(`'user ${sub ?? ''}' is not a command: use 'user add'`);
      return userAdd(rest);
    case 'estate':
      if (sub !== 'add') throw new UsageError(`'estate ${sub ?? ''}' is not a command: use 'estate add'`);
      return estateAdd(rest);
    case 'import':
      if (sub === 'district') return withConfigChange(rest, (db, positionals) => {
        if (!positionals[0]) throw new UsageError('usage: smart-estate import district <file.csv|file.geojson>', 'import district');
        return importDistrictFile(db, positionals[0]);
      });
      if (sub === 'houses') return importHouses(rest);
      if (sub !== 'buildings') throw new UsageError(`'import ${sub ?? ''}' is not a command: use 'import buildings <file.geojson>', 'import district <file>' or 'import houses <file.csv>'`);
      return importBuildings(rest);
    case 'org': {
      const [verb, ...more] = rest;
      return withConfigChange(more, (db, _p, values) => orgCommand(db, sub ?? '', verb ?? '', values), {
        id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' }, 'name-zh': { type: 'string' }, parent: { type: 'string' },
        fallback: { type: 'boolean' }, estate: { type: 'string' }, community: { type: 'string' }, company: { type: 'string' }, at: { type: 'string' },
      });
    }
    case 'config':
      if (sub !== 'upload') throw new UsageError(`'config ${sub ?? ''}' is not a command: use 'config upload'`);
      return configUpload(rest);
    case 'houses':
      if (sub !== 'generate') throw new UsageError('usage: smart-estate houses generate --estate E [--building B]');
      return housesGenerate(rest);
    case 'audit':
      return audit(args);
    case 'backup':
      return backup(args);
    case 'restore':
      return restore(args);
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

/** Mistakes people can fix: their message is the whole story. */
const EXPECTED = [UsageError, CliError, ConfigError, DeviceError, UserError, EstateFileError, BackupError, OrgError, ClusterError, ConfigDbError];

main(process.argv.slice(2)).catch((err) => {
  const e = err as Error;
  if (err instanceof UsageError) {
    const help = err.command ? `smart-estate ${err.command} --help` : 'smart-estate --help';
    process.stderr.write(`smart-estate: ${e.message} (see ${help})\n`);
  } else if (EXPECTED.some((k) => err instanceof k)) process.stderr.write(`smart-estate: ${e.message}\n`);
  else process.stderr.write(`smart-estate: ${e?.message ?? String(err)}${debug ? '' : ' (run again with --debug for the stack trace)'}\n`);
  if (debug && e?.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
