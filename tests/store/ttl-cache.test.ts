import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../server/store/ttl-cache.ts';

describe('TtlCache', () => {
  it('loads once per ttl, on demand, and again after invalidate', () => {
    const cache = new TtlCache<string>(10_000);
    let loads = 0;
    const load = (k: string) => `${k}#${++loads}`;
    expect(cache.get('a', load, 0)).toBe('a#1');
    expect(cache.get('a', load, 9_999)).toBe('a#1');
    expect(cache.get('a', load, 10_000)).toBe('a#2'); // expired
    expect(cache.get('b', load, 10_000)).toBe('b#3');
    expect(cache.get('a', load, 10_500, (_v, age) => age >= 500)).toBe('a#4'); // the caller asks for a reload
    cache.invalidate('a');
    expect(cache.get('a', load, 10_600)).toBe('a#5');
    expect(cache.get('b', load, 10_600)).toBe('b#3');
    cache.invalidate();
    expect(cache.get('b', load, 10_600)).toBe('b#6');
  });
});
