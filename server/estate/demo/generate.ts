// Writes garden.geojson from garden.ts:  node bin/run-ts.js server/estate/demo/generate.ts [--check]
// With --check it writes nothing and exits 1 when the committed file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatEstateFile, gardenEstate } from './garden.ts';

const file = fileURLToPath(new URL('./garden.geojson', import.meta.url));
const text = formatEstateFile(gardenEstate());

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    /* missing: out of date */
  }
  if (current !== text) {
    process.stderr.write(`${file} is out of date: run node bin/run-ts.js server/estate/demo/generate.ts\n`);
    process.exit(1);
  }
  process.stdout.write(`${file} is up to date\n`);
} else {
  writeFileSync(file, text);
  const n = gardenEstate().features.length;
  process.stdout.write(`wrote ${file}: ${n} features, ${text.length} bytes\n`);
}
