// The simulators stand where real devices stand: they may import protocol/ and libraries, never
// server code (so they run against any server, and cannot lean on its internals).
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SIMULATORS = join(ROOT, 'simulators');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('simulators/', () => {
  it('import only protocol/, their own files and packages', () => {
    const files = tsFiles(SIMULATORS);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1];
        if (!spec.startsWith('.')) continue; // a package or node: builtin
        const target = relative(ROOT, resolve(file, '..', spec));
        expect(target.startsWith('simulators/') || target.startsWith('protocol/'), `${relative(ROOT, file)} imports ${spec}`).toBe(true);
      }
    }
  });
});
