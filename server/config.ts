// Configuration from flags and SE_* environment variables (flags win), validated at start with one
// clear message per bad value.
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { PACKAGE_ROOT } from './code-location.ts';
import { parseInfluxUrl } from './influx/connection.ts';
import { checkClusterSettings, type ClusterSettings } from './cluster/settings.ts';
import { checkConfigDbUrl } from './cluster/settings.ts';

export interface Config {
  host: string;
  /** null = plain HTTP off (`--http-port 0`) */
  httpPort: number | null;
  /** null = plain MQTT off (`--mqtt-port 0`) */
  mqttPort: number | null;
  dataDir: string;
  /** e.g. http://127.0.0.1:8086/smart_estate — null = embedded (the journal serves history) */
  influxUrl: string | null;
  /** FULL survives power loss, NORMAL survives a process crash */
  synchronous: 'FULL' | 'NORMAL';
  /** initial admin password (SE_ADMIN_PASSWORD); creates user `admin` when there is none */
  adminPassword: string | null;
  /** the built web app (default: dist/web of this package, wherever the command runs) */
  webDir: string;
  /** raw events kept this many days: InfluxDB's default retention policy, or the embedded journal */
  retentionDays: number;
  /** with InfluxDB: forwarded journal rows kept this many days (also the duplicate-detection window) */
  journalKeepDays: number;
  /** pause ingest when the data dir has less free space than this (MiB) */
  minFreeMb: number;
  /** PEM files for HTTPS, WSS and MQTTS (docs/security.md); null = no TLS listeners */
  tls: { cert: string; key: string; ca: string | null } | null;
  /** HTTPS + WSS (default 8443 with a certificate); null = off */
  httpsPort: number | null;
  /** MQTT over TLS (default 8883 with a certificate); null = off */
  mqttsPort: number | null;
  /** flood limits (server/security/flood.ts); 0 = no cap */
  maxConnectionsPerAddress: number;
  connectRatePerAddress: number;
  connectBurstPerAddress: number;
  flapMaxConnects: number;
  flapHoldSeconds: number;
  /** addresses the per-address limits skip */
  limitsExempt: string[];
  /** PROXY protocol on every listener (a TCP load balancer in front); null = off */
  proxyProtocol: { trusted: string[] } | null;
  /** operator sessions unused this long end */
  sessionIdleMinutes: number;
  /** origins allowed to frame the app besides itself */
  frameAncestors: string[];
  /** one node of N sharing Redis (server/cluster/, docs/scale-out.md); null = a single node, no Redis */
  cluster: ClusterSettings | null;
  /** postgres://… holding the configuration every node shares (devices so far; server/cluster/config-db.ts); null = this node's SQLite only */
  configDb: string | null;
}

/** dist/web of this package, wherever the command runs */
export const DEFAULT_WEB_DIR = join(PACKAGE_ROOT, 'dist', 'web');

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Flag name (without --) → environment variable. */
const SETTINGS = {
  host: 'SE_HOST',
  'http-port': 'SE_HTTP_PORT',
  'mqtt-port': 'SE_MQTT_PORT',
  'data-dir': 'SE_DATA_DIR',
  'influx-url': 'SE_INFLUX_URL',
  synchronous: 'SE_SYNCHRONOUS',
  'admin-password': 'SE_ADMIN_PASSWORD',
  'web-dir': 'SE_WEB_DIR',
  'retention-days': 'SE_RETENTION_DAYS',
  'journal-keep-days': 'SE_JOURNAL_KEEP_DAYS',
  'min-free-mb': 'SE_MIN_FREE_MB',
  'tls-cert': 'SE_TLS_CERT',
  'tls-key': 'SE_TLS_KEY',
  'tls-ca': 'SE_TLS_CA',
  'https-port': 'SE_HTTPS_PORT',
  'mqtts-port': 'SE_MQTTS_PORT',
  'max-connections-per-address': 'SE_MAX_CONNECTIONS_PER_ADDRESS',
  'connect-rate-per-address': 'SE_CONNECT_RATE_PER_ADDRESS',
  'connect-burst-per-address': 'SE_CONNECT_BURST_PER_ADDRESS',
  'flap-max-connects': 'SE_FLAP_MAX_CONNECTS',
  'flap-hold-seconds': 'SE_FLAP_HOLD_SECONDS',
  'limits-exempt': 'SE_LIMITS_EXEMPT',
  'proxy-protocol': 'SE_PROXY_PROTOCOL',
  'trusted-proxies': 'SE_TRUSTED_PROXIES',
  'session-idle-minutes': 'SE_SESSION_IDLE_MINUTES',
  'frame-ancestors': 'SE_FRAME_ANCESTORS',
  cluster: 'SE_REDIS_URL',
  'node-id': 'SE_NODE_ID',
  'config-db': 'SE_CONFIG_DB',
} as const;
export type SettingFlag = keyof typeof SETTINGS;
export const SETTING_FLAGS = Object.keys(SETTINGS) as SettingFlag[];
/** The environment variable of each setting flag (for `--help`). */
export const settingEnv = (flag: SettingFlag): string => SETTINGS[flag];

function positive(name: string, raw: string | undefined, fallback: number, problems: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0)) {
    problems.push(`${name}: '${raw}' must be a positive number`);
    return fallback;
  }
  return n;
}

function port(name: string, raw: string | undefined, fallback: number, problems: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 0 || n > 65535) {
    problems.push(`${name}: '${raw}' is not a port number (1–65535, or 0 to switch the listener off)`);
    return fallback;
  }
  return n;
}

/** A count where 0 means "no limit". */
function count(name: string, raw: string | undefined, fallback: number, problems: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    problems.push(`${name}: '${raw}' must be a whole number (0 switches this limit off)`);
    return fallback;
  }
  return Number(raw);
}

/** Origins for CSP frame-ancestors: scheme://host[:port], separated by spaces or commas. */
function origins(name: string, raw: string | undefined, problems: string[]): string[] {
  const list = (raw ?? '').split(/[\s,]+/).filter(Boolean);
  for (const o of list) {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o.replace(/\/$/, '');
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`${name}: '${o}' is not an origin like https://wall.example.com or http://10.0.0.5:8080`);
  }
  return list.map((o) => o.replace(/\/$/, ''));
}

/** 10.0.0.2, ::1, 10.0.1.0/24, fd00::/8 */
function isAddressOrBlock(entry: string): boolean {
  const [ip, bits, extra] = entry.split('/');
  const family = isIP(ip);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export function loadConfig(flags: Partial<Record<SettingFlag, string>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const get = (flag: SettingFlag): string | undefined => flags[flag] ?? env[SETTINGS[flag]];
  const label = (flag: SettingFlag) => (flags[flag] !== undefined ? `--${flag}` : SETTINGS[flag]);

  const host = get('host') || '0.0.0.0';
  const httpPort = port(label('http-port'), get('http-port'), 8080, problems) || null;
  const mqttPort = port(label('mqtt-port'), get('mqtt-port'), 1883, problems) || null;

  const cert = get('tls-cert') || null;
  const key = get('tls-key') || null;
  const ca = get('tls-ca') || null;
  if (cert && !key) problems.push(`${label('tls-cert')} needs ${label('tls-key')} (the certificate's private key, PEM)`);
  if (key && !cert) problems.push(`${label('tls-key')} needs ${label('tls-cert')} (the certificate, PEM)`);
  if (ca && !(cert && key)) problems.push(`${label('tls-ca')} (client certificates) needs the server's own ${label('tls-cert')} and ${label('tls-key')}`);
  const tls = cert && key ? { cert: resolve(cert), key: resolve(key), ca: ca ? resolve(ca) : null } : null;
  const httpsPort = tls ? port(label('https-port'), get('https-port'), 8443, problems) || null : null;
  const mqttsPort = tls ? port(label('mqtts-port'), get('mqtts-port'), 8883, problems) || null : null;
  if (!tls && (get('https-port') || get('mqtts-port'))) problems.push(`${get('https-port') ? label('https-port') : label('mqtts-port')} needs ${label('tls-cert')} and ${label('tls-key')}`);
  if (httpPort === null && httpsPort === null) problems.push(`${label('http-port')} 0 switches plain HTTP off, but there is no HTTPS listener (give ${label('tls-cert')} and ${label('tls-key')}): the web app and the API need one`);
  const ports = [['HTTP', httpPort], ['MQTT', mqttPort], ['HTTPS', httpsPort], ['MQTTS', mqttsPort]].filter(([, p]) => p !== null) as Array<[string, number]>;
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      if (ports[i][1] === ports[j][1]) problems.push(`${ports[i][0]} and ${ports[j][0]} ports are both ${ports[i][1]}: they must differ`);
    }
  }

  const dataDir = resolve(get('data-dir') || './data');

  let influxUrl: string | null = get('influx-url') || null;
  if (influxUrl) {
    try {
      parseInfluxUrl(influxUrl);
    } catch (err) {
      problems.push(`${label('influx-url')}: ${(err as Error).message}`);
      influxUrl = null;
    }
  }

  const syncRaw = (get('synchronous') || 'FULL').toUpperCase();
  if (syncRaw !== 'FULL' && syncRaw !== 'NORMAL') problems.push(`${label('synchronous')}: '${get('synchronous')}' must be FULL or NORMAL`);
  const synchronous = syncRaw === 'NORMAL' ? 'NORMAL' : 'FULL';

  const adminPassword = get('admin-password') || null;
  if (adminPassword !== null && adminPassword.length < 8) problems.push(`${label('admin-password')}: at least 8 characters`);

  const webDir = get('web-dir') ? resolve(get('web-dir')!) : DEFAULT_WEB_DIR;

  const retentionDays = positive(label('retention-days'), get('retention-days'), 30, problems);
  const journalKeepDays = positive(label('journal-keep-days'), get('journal-keep-days'), 7, problems);
  const minFreeMb = positive(label('min-free-mb'), get('min-free-mb'), 512, problems);

  // Flood and session limits (docs/security.md has the reasons for each default).
  const maxConnectionsPerAddress = count(label('max-connections-per-address'), get('max-connections-per-address'), 1000, problems);
  const connectRatePerAddress = count(label('connect-rate-per-address'), get('connect-rate-per-address'), 100, problems);
  const connectBurstPerAddress = count(label('connect-burst-per-address'), get('connect-burst-per-address'), 500, problems);
  const flapMaxConnects = count(label('flap-max-connects'), get('flap-max-connects'), 15, problems);
  const flapHoldSeconds = positive(label('flap-hold-seconds'), get('flap-hold-seconds'), 300, problems);
  const exemptRaw = get('limits-exempt');
  const limitsExempt = exemptRaw === undefined || exemptRaw === '' ? ['127.0.0.1', '::1'] : exemptRaw.trim() === 'none' ? [] : exemptRaw.split(/[\s,]+/).filter(Boolean);
  for (const a of limitsExempt) if (isIP(a) === 0) problems.push(`${label('limits-exempt')}: '${a}' is not an IP address (a list like 127.0.0.1,10.0.0.1, or 'none')`);
  // PROXY protocol (docs/security.md, "Behind a load balancer"): off unless asked for, and then
  // believed only from the listed addresses, so no client can claim an address it does not have.
  const proxyRaw = (get('proxy-protocol') ?? '').trim().toLowerCase();
  const proxyOn = ['1', 'on', 'true', 'yes'].includes(proxyRaw);
  if (proxyRaw && !proxyOn && !['0', 'off', 'false', 'no'].includes(proxyRaw)) problems.push(`${label('proxy-protocol')}: '${get('proxy-protocol')}' must be on or off (1 or 0)`);
  const trustedRaw = get('trusted-proxies');
  const trustedProxies = trustedRaw === undefined || trustedRaw === '' ? ['127.0.0.1', '::1'] : trustedRaw.split(/[\s,]+/).filter(Boolean);
  for (const a of trustedProxies) if (!isAddressOrBlock(a)) problems.push(`${label('trusted-proxies')}: '${a}' is not an IP address or CIDR block (a list like 10.0.0.2,10.0.1.0/24)`);
  if (trustedRaw && !proxyOn) problems.push(`${label('trusted-proxies')} is set but ${label('proxy-protocol')} is off: give ${label('proxy-protocol')} on as well (or drop the list)`);
  const proxyProtocol = proxyOn ? { trusted: trustedProxies } : null;
  const sessionIdleMinutes = positive(label('session-idle-minutes'), get('session-idle-minutes'), 60, problems);
  const frameAncestors = origins(label('frame-ancestors'), get('frame-ancestors'), problems);

  const cluster = checkClusterSettings(
    { redisUrl: get('cluster') || null, nodeId: get('node-id') || null, influxUrl: get('influx-url') || null, dataDir },
    { cluster: label('cluster'), nodeId: label('node-id') },
    problems,
  );

  const configDb = checkConfigDbUrl(get('config-db') || null, label('config-db'), problems);

  if (problems.length) throw new ConfigError(problems);
  return {
    host, httpPort, mqttPort, dataDir, influxUrl, synchronous, adminPassword, webDir, retentionDays, journalKeepDays, minFreeMb,
    tls, httpsPort, mqttsPort, maxConnectionsPerAddress, connectRatePerAddress, connectBurstPerAddress, flapMaxConnects, flapHoldSeconds,
    limitsExempt, proxyProtocol, sessionIdleMinutes, frameAncestors, cluster, configDb,
  };
}
