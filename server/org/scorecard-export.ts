// The scorecard as a spreadsheet: CSV with a UTF-8 BOM (Excel on a Chinese Windows opens it right)
// and XLSX (exceljs). "No data" is an empty cell, never 0.
import ExcelJS from 'exceljs';
import { METRIC_KEYS, type MetricKey, type ScoreRow, type Scorecard } from '../../protocol/index.ts';
import { csvField } from '../patrol/report.ts';

export const METRIC_TITLES: Record<MetricKey, string> = {
  onTime54321: '54321按时率 54321 on time',
  patrolCompletion: '巡更完成率 patrol on time',
  deviceAvailability: '设备在线率 device availability',
  alertResponse: '到场中位数(秒) on-site median s',
  overdueRectifications: '逾期整改 overdue rectifications',
  satisfaction: '满意度 satisfaction',
};

function header(): string[] {
  return ['排名 rank', '类型 kind', 'id', '名称 name', '得分 score', ...METRIC_KEYS.flatMap((k) => [METRIC_TITLES[k], `${k} num/den`])];
}

function cells(kind: string, r: ScoreRow): Array<string | number | null> {
  return [r.rank, kind, r.id, r.nameZh === r.name ? r.name : `${r.nameZh} ${r.name}`, r.score, ...METRIC_KEYS.flatMap((k) => [r.metrics[k].value, r.metrics[k].value === null ? null : `${r.metrics[k].num}/${r.metrics[k].den}`])];
}

export function scorecardCsv(s: Scorecard): string {
  const lines = [header().map(csvField).join(',')];
  for (const r of s.companies) lines.push(cells('company 公司', r).map(csvField).join(','));
  for (const r of s.estates) lines.push(cells('estate 小区', r).map(csvField).join(','));
  lines.push('', csvField(`month ${s.month}; weights ${METRIC_KEYS.map((k) => `${k}=${s.weights[k]}`).join(' ')}`), csvField(s.formula));
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

export async function scorecardXlsx(s: Scorecard): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.created = new Date(s.generatedAt);
  for (const [title, rows, kind] of [['公司 Companies', s.companies, 'company'], ['小区 Estates', s.estates, 'estate']] as const) {
    const sheet = book.addWorksheet(title);
    sheet.addRow(header()).font = { bold: true };
    for (const r of rows) sheet.addRow(cells(kind, r).map((v) => (v === null ? '' : v)));
    sheet.columns.forEach((c) => (c.width = 16));
  }
  const about = book.addWorksheet('公式 Formula');
  about.addRow(['month', s.month]);
  for (const k of METRIC_KEYS) about.addRow([k, s.weights[k]]);
  about.addRow(['formula', s.formula]);
  return Buffer.from(await book.xlsx.writeBuffer());
}
