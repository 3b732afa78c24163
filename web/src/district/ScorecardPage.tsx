// The monthly 讲评 as a printable page (/district/{unit}/scorecard?month=YYYY-MM): the formula and
// weights, company and estate rankings, every figure with its num/den and a link to the items behind
// it; CSV / XLSX downloads; print to PDF on A4 landscape (district.css @page). "无数据" for no data.
import { useEffect, useState } from 'react';
import { METRIC_KEYS, type MetricKey, type ScoreRow, type Scorecard } from '../../../protocol/org.ts';
import { getJson } from '../app/api.ts';
import { currentToken } from '../app/session.ts';

export const METRIC_LABELS: Record<MetricKey, string> = {
  onTime54321: '54321按时率', patrolCompletion: '巡更完成率', deviceAvailability: '设备在线率', alertResponse: '到场中位数', overdueRectifications: '逾期整改', satisfaction: '满意度',
};

function figure(k: MetricKey, r: ScoreRow): string {
  const c = r.metrics[k];
  if (c.value === null) return '无数据';
  if (k === 'alertResponse') return `${Math.round(c.value)} 秒`;
  if (k === 'overdueRectifications') return `${c.value} / ${c.den}`;
  if (k === 'satisfaction') return c.value.toFixed(2);
  return `${(c.value * 100).toFixed(1)}% (${k === 'deviceAvailability' ? '' : `${c.num}/${c.den}`})`.replace(' ()', '');
}

async function download(path: string, name: string) {
  const res = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${currentToken()}` } });
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

function Table({ rows, kind, base, month }: { rows: ScoreRow[]; kind: 'estate' | 'company'; base: string; month: string }) {
  return (
    <table className="scorecard-table">
      <thead>
        <tr>
          <th>排名</th>
          <th>{kind === 'estate' ? '小区 Estate' : '物业公司 Company'}</th>
          <th>得分</th>
          {METRIC_KEYS.map((k) => (
            <th key={k}>{METRIC_LABELS[k]}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-id={r.id} data-rank={r.rank ?? ''}>
            <td>{r.rank ?? '—'}</td>
            <td>{r.nameZh}</td>
            <td className="score">{r.score ?? '无数据'}</td>
            {METRIC_KEYS.map((k) => (
              <td key={k} data-metric={k}>
                {r.metrics[k].value === null ? (
                  <span className="nodata">无数据</span>
                ) : (
                  <a href={`${base}/items?month=${month}&metric=${k}&${kind}=${encodeURIComponent(r.id)}`}>{figure(k, r)}</a>
                )}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ScorecardPage({ scope, base }: { scope: string; base: string }) {
  const params = new URLSearchParams(location.search);
  const [card, setCard] = useState<Scorecard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const month = params.get('month') ?? '';
  useEffect(() => {
    getJson<Scorecard>(`/org/scorecard?scope=${encodeURIComponent(scope)}${month ? `&month=${month}` : ''}`).then(setCard, (e: Error) => setError(e.message));
  }, [scope, month]);
  if (error) return <div className="scorecard">{error}</div>;
  if (!card) return <div className="scorecard">加载中 Loading…</div>;
  const q = `/org/scorecard?scope=${encodeURIComponent(scope)}&month=${card.month}`;
  return (
    <div className="scorecard" data-testid="scorecard">
      <header>
        <h1>
          {card.month} 月度讲评 Monthly scorecard · {scope}
        </h1>
        <nav className="no-print">
          <a href={base}>← 区级大屏</a> <button onClick={() => download(`${q}&format=csv`, `scorecard-${card.month}.csv`)}>CSV</button>{' '}
          <button onClick={() => download(`${q}&format=xlsx`, `scorecard-${card.month}.xlsx`)}>XLSX</button> <button onClick={() => print()}>打印 / PDF</button>
        </nav>
      </header>
      <p className="formula" data-testid="formula">
        {card.formula}
        <br />
        权重 weights: {METRIC_KEYS.map((k) => `${METRIC_LABELS[k]} ${card.weights[k]}`).join(' · ')}
      </p>
      <h2>物业公司排名 Companies</h2>
      <Table rows={card.companies} kind="company" base={base} month={card.month} />
      <h2>小区排名 Estates</h2>
      <Table rows={card.estates} kind="estate" base={base} month={card.month} />
      <p className="generated">
        生成于 {new Date(card.generatedAt).toLocaleString('zh-CN')} · 数据来源 sources: {card.sources.map((s) => s.id).join(', ')} · 排名末位的进行约谈问责
      </p>
    </div>
  );
}

export function ItemsPage() {
  const params = new URLSearchParams(location.search);
  const [items, setItems] = useState<Array<{ kind: string; id: string; estate: string; at: number; ok: boolean; value?: number; label?: string }> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<{ items: NonNullable<typeof items> }>(`/org/scorecard/items?${params.toString()}`).then((r) => setItems(r.items), (e: Error) => setError(e.message));
  }, []);
  if (error) return <div className="scorecard">{error}</div>;
  return (
    <div className="scorecard">
      <h1>
        {params.get('month')} · {METRIC_LABELS[params.get('metric') as MetricKey] ?? params.get('metric')} · {params.get('estate') ?? params.get('company')}
      </h1>
      <p>
        <a className="no-print" href="javascript:history.back()">← 返回 back</a> {items ? `${items.length} 项 items, ${items.filter((i) => i.ok).length} 达标 ok` : ''}
      </p>
      <table className="scorecard-table">
        <thead>
          <tr><th>类型</th><th>编号</th><th>小区</th><th>时间</th><th>达标</th><th>数值</th><th>说明</th></tr>
        </thead>
        <tbody>
          {(items ?? []).map((i) => (
            <tr key={`${i.kind}-${i.id}-${i.at}`}>
              <td>{i.kind}</td><td>{i.id}</td><td>{i.estate}</td><td>{new Date(i.at).toLocaleString('zh-CN')}</td><td>{i.ok ? '✓' : '✗'}</td><td>{i.value ?? ''}</td><td>{i.label ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
