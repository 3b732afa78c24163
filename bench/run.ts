// `npm run bench [-- --case NAME] [--seconds N] [--quick]`: runs the cases, prints a table per case.
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { CASES } from './cases/index.ts';
import type { BenchResult } from './types.ts';

const { values } = parseArgs({
  options: { case: { type: 'string', multiple: true }, seconds: { type: 'string' }, quick: { type: 'boolean' }, list: { type: 'boolean' } },
});

if (values.list) {
  for (const c of CASES) console.log(`${c.name.padEnd(20)} ${c.description}`);
  process.exit(0);
}

const quick = Boolean(values.quick);
const seconds = values.seconds ? Number(values.seconds) : quick ? 10 : 60;
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`--seconds must be a positive number, got '${values.seconds}'`);
  process.exit(2);
}
const wanted = values.case ?? CASES.map((c) => c.name);
const unknown = wanted.filter((n) => !CASES.some((c) => c.name === n));
if (unknown.length) {
  console.error(`unknown case(s): ${unknown.join(', ')}; known: ${CASES.map((c) => c.name).join(', ') || '(none)'}`);
  process.exit(2);
}

export function formatTable(result: BenchResult): string {
  const cells = [result.columns, ...result.rows.map((r) => r.map((v) => (typeof v === 'number' ? formatNumber(v) : v)))];
  const widths = result.columns.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: Array<string | number>) => '| ' + r.map((v, i) => String(v ?? '').padEnd(widths[i])).join(' | ') + ' |';
  const out = [`\n## ${result.title}\n`, line(cells[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.slice(1).map(line)];
  for (const n of result.notes ?? []) out.push(`- ${n}`);
  return out.join('\n');
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
}

const started = new Date();
const report: string[] = [`# Smart Estate benchmarks — ${started.toISOString()} (${seconds} s sustained cases)`];
let failed = 0;
for (const c of CASES.filter((x) => wanted.includes(x.name))) {
  process.stderr.write(`\n▶ ${c.name}: ${c.description}\n`);
  try {
    const result = await c.run({ seconds, quick, log: (line) => process.stderr.write(`  ${line}\n`) });
    const table = formatTable(result);
    console.log(table);
    report.push(table);
  } catch (err) {
    failed++;
    console.error(`✗ ${c.name} failed: ${(err as Error).stack ?? err}`);
  }
}
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${started.toISOString().replace(/[:.]/g, '-')}.md`;
writeFileSync(file, report.join('\n') + '\n');
process.stderr.write(`\nreport written to ${file}\n`);
process.exit(failed ? 1 : 0);
