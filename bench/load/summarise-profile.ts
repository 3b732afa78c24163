// node bin/run-ts.js bench/load/summarise-profile.ts FILE.cpuprofile [TOP] — prints where the time went.
import { formatSummary, readProfile, summariseProfile } from './cpuprofile.ts';

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bin/run-ts.js bench/load/summarise-profile.ts FILE.cpuprofile [TOP]');
  process.exit(2);
}
console.log(formatSummary(summariseProfile(readProfile(file), top ? Number(top) : 20)).join('\n'));
