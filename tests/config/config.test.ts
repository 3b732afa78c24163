import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

describe('loadConfig', () => {
  it('has sensible defaults: embedded history, FULL sync, ports 8080/1883', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({ httpPort: 8080, mqttPort: 1883, influxUrl: null, synchronous: 'FULL', host: '0.0.0.0' });
    expect(c.dataDir.endsWith('/data')).toBe(true);
  });

  it('reads SE_* variables and lets flags win', () => {
    const c = loadConfig({ 'http-port': '9000' }, { SE_HTTP_PORT: '8000', SE_MQTT_PORT: '1884', SE_INFLUX_URL: 'http://127.0.0.1:8086/smart_estate', SE_SYNCHRONOUS: 'normal' });
    expect(c).toMatchObject({ httpPort: 9000, mqttPort: 1884, influxUrl: 'http://127.0.0.1:8086/smart_estate', synchronous: 'NORMAL' });
  });

  it('names every bad value at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({}, { SE_HTTP_PORT: 'eighty', SE_MQTT_PORT: '70000', SE_INFLUX_URL: 'http://127.0.0.1:8086', SE_SYNCHRONOUS: 'OFF', SE_ADMIN_PASSWORD: 'short' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(5);
    expect(error!.message).toMatch(/SE_HTTP_PORT: 'eighty' is not a port number/);
    expect(error!.message).toMatch(/SE_INFLUX_URL: InfluxDB URL names no database/);
    expect(error!.message).toMatch(/SE_SYNCHRONOUS: 'OFF' must be FULL or NORMAL/);
  });

  it('refuses the same port for HTTP and MQTT', () => {
    expect(() => loadConfig({ 'http-port': '1883' }, {})).toThrow(/must differ/);
  });

  it('PROXY protocol: off by default; on trusts loopback unless told otherwise; bad lists named', () => {
    expect(loadConfig({}, {}).proxyProtocol).toBeNull();
    expect(loadConfig({}, { SE_PROXY_PROTOCOL: '1' }).proxyProtocol).toEqual({ trusted: ['127.0.0.1', '::1'] });
    expect(loadConfig({ 'proxy-protocol': 'on', 'trusted-proxies': '10.0.0.2, 10.0.1.0/24 fd00::/8' }, {}).proxyProtocol).toEqual({ trusted: ['10.0.0.2', '10.0.1.0/24', 'fd00::/8'] });
    expect(loadConfig({ 'proxy-protocol': 'off' }, { SE_PROXY_PROTOCOL: 'on' }).proxyProtocol).toBeNull();
    expect(() => loadConfig({}, { SE_PROXY_PROTOCOL: 'maybe' })).toThrow(/SE_PROXY_PROTOCOL: 'maybe' must be on or off/);
    expect(() => loadConfig({ 'proxy-protocol': 'on', 'trusted-proxies': '10.0.0.0/33,haproxy.lan' }, {})).toThrow(
      /--trusted-proxies: '10\.0\.0\.0\/33' is not an IP address or CIDR block[\s\S]*'haproxy\.lan' is not/,
    );
    // a list without the setting would silently do nothing
    expect(() => loadConfig({}, { SE_TRUSTED_PROXIES: '10.0.0.2' })).toThrow(/SE_TRUSTED_PROXIES is set but SE_PROXY_PROTOCOL is off/);
  });
});
