// The wall screen's patrol panel state: snapshot vs channel upserts, and which tours it shows.
import { describe, expect, it } from 'vitest';
import type { TourView } from '../../protocol/patrol.ts';
import { MAX_ROWS, PatrolBoard, RECENT_MS, visited } from '../../web/src/panels/patrol/patrol-board.ts';

const MIN = 60_000;
const NOW = Date.parse('2026-11-27T23:00:00+08:00');

function tour(route: string, startMin: number, state: TourView['state'], over: Partial<TourView> = {}): TourView {
  const start = NOW + startMin * MIN;
  return {
    estate: 'garden', id: `${route}@${startMin}`, route, routeName: route, routeNameZh: route, schedule: 's', day: '2026-11-27',
    start, opens: start - 5 * MIN, closes: start + 40 * MIN, state, guard: null, assigned: false,
    stops: [
      { checkpoint: 'CP-01', name: 'a', code: 'CP-01', plannedAt: start, deadline: start + 20 * MIN, status: 'on_time' },
      { checkpoint: 'CP-02', name: 'b', code: 'CP-02', plannedAt: start + 10 * MIN, deadline: start + 30 * MIN, status: 'pending' },
    ],
    counts: { on_time: 1, late: 0, early: 0, missed: 0, out_of_order: 0, pending: 1 }, completion: 0.5,
    ...over,
  };
}

describe('PatrolBoard', () => {
  it('shows tours under way, the one of each idle route that just ended, and the next one due', () => {
    const board = new PatrolBoard('garden');
    board.apply([
      tour('night', -10, 'active'),
      tour('night', 110, 'scheduled'),
      tour('gate', -130, 'done'), // ended 90 min ago: still shown
      tour('gate', 50, 'scheduled'),
      tour('old', -400, 'done'), // ended long ago
      tour('old', 200, 'scheduled'),
    ], NOW);
    expect(board.current(NOW).map((t) => t.id)).toEqual(['night@-10', 'gate@-130', 'gate@50', 'old@200']);
    // once the ended tour is older than RECENT_MS it leaves the wall
    expect(board.current(NOW + RECENT_MS).map((t) => t.id)).not.toContain('gate@-130');
  });

  it('takes channel upserts, and a snapshot asked before an upsert does not undo it', () => {
    const board = new PatrolBoard('garden');
    const asked = NOW - 1000;
    expect(board.applyMessage({ type: 'tour', tour: tour('night', -10, 'active', { counts: { on_time: 2, late: 0, early: 0, missed: 0, out_of_order: 0, pending: 0 } }) }, NOW)).toBe(true);
    board.apply([tour('night', -10, 'active')], asked);
    expect(board.current(NOW)[0].counts.on_time).toBe(2);
    // other estates and junk are ignored
    expect(board.applyMessage({ type: 'tour', tour: { ...tour('x', 0, 'active'), estate: 'other' } })).toBe(false);
    expect(board.applyMessage({ type: 'alert' })).toBe(false);
    expect(board.applyMessage(null)).toBe(false);
  });

  it('caps the rows and counts visits', () => {
    const board = new PatrolBoard('garden');
    board.apply(Array.from({ length: 10 }, (_, i) => tour(`r${i}`, -5, 'active')), NOW);
    expect(board.current(NOW)).toHaveLength(MAX_ROWS);
    expect(visited(tour('r', 0, 'active'))).toBe(1);
  });
});
