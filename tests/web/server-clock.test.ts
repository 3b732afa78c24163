import { describe, expect, it } from 'vitest';
import { observeServerTime, serverNow, serverOffset } from '../../web/src/app/server-clock.ts';

describe('server clock', () => {
  it('follows the server from the X-Server-Time of API answers, trusting short round trips', () => {
    const local = Date.now();
    observeServerTime(null, local, local); // no header: nothing learned
    expect(serverOffset()).toBe(0);
    // the server is 5 minutes ahead; 20 ms round trip
    observeServerTime(String(local + 300_000 + 10), local, local + 20);
    expect(serverOffset()).toBe(300_000);
    expect(Math.abs(serverNow() - (Date.now() + 300_000))).toBeLessThan(5);
    // a slow answer (2 s round trip) says less: ignored
    observeServerTime(String(local + 999_999), local, local + 2000);
    expect(serverOffset()).toBe(300_000);
    // a server clock that was corrected (NTP): followed with the next quick answer
    observeServerTime(String(local + 60_000 + 5), local, local + 10);
    expect(serverOffset()).toBe(60_000);
    observeServerTime('not a number', local, local);
    expect(serverOffset()).toBe(60_000);
  });
});
