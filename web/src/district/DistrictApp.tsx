// The /district/… entry: signed in → the district screen, its scorecard or an items list; else the
// login page. Routes: /district/{unit} · /district/company:{id} · …/scorecard · …/items
import { Login } from '../app/Login.tsx';
import { useSession } from '../app/session.ts';
import { DistrictScreen, parseGroup } from './DistrictScreen.tsx';
import { ItemsPage, ScorecardPage } from './ScorecardPage.tsx';
import './district.css';

export function DistrictApp() {
  const { session, notice } = useSession();
  if (!session) return <Login notice={notice} />;
  const [, , param = '', page = ''] = location.pathname.split('/').map(decodeURIComponent);
  const group = parseGroup(param);
  const base = `/district/${encodeURIComponent(param)}`;
  if (page === 'scorecard') return <ScorecardPage scope={`${group.kind}:${group.id}`} base={base} />;
  if (page === 'items') return <ItemsPage />;
  return <DistrictScreen key={session.user.name} session={session} group={group} />;
}
