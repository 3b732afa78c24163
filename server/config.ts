// Configuration from flags and SE_* environment variables (flags win), validated at start with one
// clear message per bad value.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseInfluxUrl } from './influx/connection.ts';

export interface Config {
  host: string;
  httpPort: number;
  mqttPort: number;
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
}

/** dist/web of this package, wherever the command runs */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../dist/web', import.meta.url));

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
    problems.push(`${name}: '${raw}' is not a port number (0–65535; 0 picks a free port)`);
    return fallback;
  }
  return n;
}

export function loadConfig(flags: Partial<Record<SettingFlag, string>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const get = (flag: SettingFlag): string | undefined => flags[flag] ?? env[SETTINGS[flag]];
  const label = (flag: SettingFlag) => (flags[flag] !== undefined ? `--${flag}` : SETTINGS[flag]);

  const host = get('host') || '0.0.0.0';
  const httpPort = port(label('http-port'), get('http-port'), 8080, problems);
  const mqttPort = port(label('mqtt-port'), get('mqtt-port'), 1883, problems);
  if (httpPort !== 0 && httpPort === mqttPort) problems.push(`HTTP and MQTT ports are both ${httpPort}: they must differ`);

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

  if (problems.length) throw new ConfigError(problems);
  return { host, httpPort, mqttPort, dataDir, influxUrl, synchronous, adminPassword, webDir, retentionDays, journalKeepDays, minFreeMb };
}
