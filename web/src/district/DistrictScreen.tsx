// The district wall screen /district/{unit} (or /district/company:{id}): the map of every estate,
// the estates needing attention with their badges, the live feed of serious alerts and the ranking
// strip of this month's 讲评. Reads the REST summary once, then the unit's summary channel.
// `?kiosk=1`: no sign-out, no cursor. zh-CN first, sized for a wall.
import { useEffect, useMemo, useState } from 'react';
import type { Scorecard, UnitSummary, EstateBadge } from '../../../protocol/org.ts';
import { getJson } from '../app/api.ts';
import { signOut, type Session } from '../app/session.ts';
import { kioskOptions } from '../kiosk/kiosk-options.ts';
import { connectSummary, type LinkState } from './district-feed.ts';
import { DistrictMap } from './DistrictMap.tsx';
import { CONDITION_COLOURS, patrolText } from './district-geometry.ts';

const CONDITION_TEXT: Record<EstateBadge['condition'], string> = {
  unknown: '无数据 unknown', critical: '紧急 critical', major: '严重 major', warning: '警告 warning', calm: '正常 calm',
};
const ORDER: Record<EstateBadge['condition'], number> = { critical: 0, major: 1, warning: 2, unknown: 3, calm: 4 };

export function parseGroup(param: string): { kind: 'unit' | 'company'; id: string } {
  return param.startsWith('company:') ? { kind: 'company', id: param.slice(8) } : { kind: 'unit', id: param.replace(/^unit:/, '') };
}

export function DistrictScreen({ session, group }: { session: Session; group: { kind: 'unit' | 'company'; id: string } }) {
  const options = useMemo(kioskOptions, []);
  const [summary, setSummary] = useState<UnitSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<{ state: LinkState; since: number }>({ state: 'connecting', since: Date.now() });
  const [card, setCard] = useState<Scorecard | null>(null);
  const [now, setNow] = useState(Date.now());
  const base = group.kind === 'unit' ? `/org/units/${group.id}` : `/org/companies/${group.id}`;

  useEffect(() => {
    const abort = new AbortController();
    getJson<UnitSummary>(`${base}/summary`, abort.signal).then(setSummary, (e: Error) => !abort.signal.aborted && setError(e.message));
    getJson<Scorecard>(`/org/scorecard?scope=${group.kind}:${group.id}`, abort.signal).then(setCard, () => {});
    const stop = connectSummary({ group, username: session.user.name, token: session.token, onSummary: setSummary, onState: (state) => setLink({ state, since: Date.now() }) });
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => (abort.abort(), stop(), clearInterval(tick));
  }, [base, group.kind, group.id, session.user.name, session.token]);

  const attention = useMemo(() => (summary?.estates ?? []).filter((b) => b.condition !== 'calm').sort((a, b) => ORDER[a.condition] - ORDER[b.condition] || a.estate.localeCompare(b.estate)), [summary]);
  const open = (estate: string) => {
    location.assign(`/?estate=${encodeURIComponent(estate)}${options.kiosk ? '&kiosk=1' : ''}&from=${encodeURIComponent(location.pathname)}`);
  };
  const linkDown = link.state !== 'connected' && now - link.since >= Math.min(options.staleAfterMs, 10_000);
  const ranked = (card?.estates ?? []).filter((r) => r.rank !== null);

  return (
    <div className={`district ${options.kiosk ? 'kiosk' : ''}`}>
      <header className="district-header">
        <h1>{summary ? `${summary.nameZh} ${summary.name}` : group.id} · 区级大屏 District</h1>
        {summary && (
          <div className="district-totals" data-testid="totals">
            <span>小区 {summary.totals.estates}</span>
            <span style={{ color: CONDITION_COLOURS.critical }}>紧急 {summary.totals.critical}</span>
            <span style={{ color: CONDITION_COLOURS.major }}>严重 {summary.totals.major}</span>
            <span style={{ color: CONDITION_COLOURS.unknown }}>无数据 {summary.totals.unknown}</span>
            <span>离线设备 {summary.totals.offlineDevices}</span>
          </div>
        )}
        <a className="district-link" href={`/district/${group.kind === 'unit' ? group.id : `company:${group.id}`}/scorecard`}>月度讲评 Scorecard</a>
        {!options.kiosk && <button onClick={() => signOut()}>退出 Sign out</button>}
      </header>
      {linkDown && (
        <div className="district-stale" role="alert" data-testid="stale">
          实时连接中断 {Math.round((now - link.since) / 1000)} 秒 · live link down — 数据可能已过时 figures may be stale
        </div>
      )}
      {link.state === 'refused' && <div className="district-stale" role="alert">无权查看 No access to this unit</div>}
      {error && <div className="district-stale" role="alert">{error}</div>}
      <main className="district-body">
        <section className="district-map-wrap">{summary && <DistrictMap badges={summary.estates} onPick={open} />}</section>
        <aside className="district-side">
          <h2>需关注 Needs attention ({attention.length})</h2>
          <ul className="district-badges" data-testid="badges">
            {attention.slice(0, 40).map((b) => (
              <li key={b.estate} data-estate={b.estate} data-condition={b.condition} onClick={() => open(b.estate)} style={{ borderLeftColor: CONDITION_COLOURS[b.condition] }}>
                <strong>{b.nameZh}</strong> <em>{CONDITION_TEXT[b.condition]}</em>
                <span className="badge-line">
                  告警 <b data-testid="alerts">{b.alerts.critical + b.alerts.major + b.alerts.warning}</b> · 巡更 {patrolText(b)} · 离线/未知 {b.devices.offline}/{b.devices.unknown}
                  {b.overdueWorkOrders !== null && ` · 超时工单 ${b.overdueWorkOrders}`}
                </span>
              </li>
            ))}
          </ul>
          <h2>严重告警 Serious alerts</h2>
          <ul className="district-feed" data-testid="feed">
            {(summary?.serious ?? []).map((a) => (
              <li key={a.id} data-alert={a.id} onClick={() => open(a.estate)}>
                <span style={{ color: CONDITION_COLOURS[a.severity as 'critical'] ?? '#333' }}>{a.severity === 'critical' ? '紧急' : '严重'}</span> {summary!.estates.find((e) => e.estate === a.estate)?.nameZh ?? a.estate} · {a.titleZh} ·{' '}
                {new Date(a.openedAt).toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit' })}
              </li>
            ))}
          </ul>
        </aside>
      </main>
      <footer className="district-ranking" data-testid="ranking">
        <span>本月排名 Ranking {card?.month}</span>
        {ranked.length === 0 && <span>无数据 no data</span>}
        {ranked.slice(0, 8).map((r) => (
          <span key={r.id} data-rank={r.rank} data-estate={r.id}>
            {r.rank}. {r.nameZh} {r.score}
          </span>
        ))}
        {ranked.length > 8 && <span>… 末位 last: {ranked[ranked.length - 1].nameZh} {ranked[ranked.length - 1].score}</span>}
      </footer>
    </div>
  );
}
