// The server without its estate modules (alerts, patrol, vehicles, wall screen …): the same
// startServer and configuration (SE_* variables) as `smart-estate serve`, with `modules: []`, so the
// benchmark can show what the core ingest path (validate → journal → PUBACK → InfluxDB) does alone.
import { loadConfig } from '../../server/config.ts';
import { startServer } from '../../server/app.ts';

const config = loadConfig();
const server = await startServer({ ...config, modules: [] });
process.stderr.write(`smart-estate core (no modules): HTTP ${server.url}, MQTT tcp port ${server.mqttPort}, data ${config.dataDir}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
