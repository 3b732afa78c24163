// The work-order state machine and the shared 54321 clock, without I/O.
import { describe, expect, it } from 'vitest';
import { ON_SITE_MS, TIER_MS, alertDeadlines, clockElapsed, deadlines, type WorkOrder } from '../../protocol/index.ts';
import * as life from '../../server/workorders/lifecycle.ts';
import { DueQueue } from '../../server/workorders/due-queue.ts';

const T0 = Date.UTC(2026, 11, 2, 1, 0, 0);
const MIN = 60_000;

const ok = (o: life.Outcome): WorkOrder => {
  if (life.isRefusal(o)) throw new Error(`refused: ${o.error}`);
  return o.order;
};

function fresh(tier: WorkOrder['tier'] = 'small'): WorkOrder {
  return life.createOrder({ estate: 'e', source: 'resident', category: 'plumbing', tier, department: 'engineering', description: 'drain blocked', building: 'B1', x: 0, y: 0 }, 1, 'resident', T0).order;
}

describe('the one 54321 clock', () => {
  it('gives alerts the deadlines they always had', () => {
    expect(alertDeadlines(T0, 'serious')).toEqual({ onSiteDue: T0 + ON_SITE_MS, fixDue: T0 + TIER_MS.serious });
    expect(TIER_MS).toEqual({ small: 40 * MIN, serious: 180 * MIN, complex: 2 * 1440 * MIN, special: 1440 * MIN });
  });

  it('moves every deadline by the paused time, and leaves the pause out of the measured time', () => {
    const c = { startedAt: T0, tier: 'small' as const, pausedMs: 10 * MIN, pausedAt: T0 + 30 * MIN };
    expect(deadlines(c)).toEqual({ onSiteDue: T0 + 15 * MIN, fixDue: T0 + 50 * MIN });
    // the running pause counts as far as `now`
    expect(deadlines(c, T0 + 45 * MIN).fixDue).toBe(T0 + 65 * MIN);
    expect(clockElapsed(c, T0 + 45 * MIN)).toBe(20 * MIN);
  });
});

describe('work-order lifecycle', () => {
  it('runs new → dispatched → accepted → on_site → paused → resumed → resolved → closed with the pause excluded', () => {
    let o = fresh();
    expect(o).toMatchObject({ status: 'new', onSiteDue: T0 + 5 * MIN, fixDue: T0 + 40 * MIN, needsPlan: false });
    o = ok(life.dispatch(o, 'op', { team: 't1', assignee: 'g1' }, T0 + MIN));
    o = ok(life.accept(o, 'g1', T0 + 2 * MIN));
    o = ok(life.arrive(o, 'g1', T0 + 4 * MIN, T0 + 4 * MIN));
    expect(o.onSiteMs).toBe(4 * MIN);
    o = ok(life.pause(o, 'g1', 'waiting for a part', T0 + 10 * MIN));
    expect(life.nextWake(o)).toBeNull();
    expect(life.clockStep(o, T0 + 90 * MIN, [])).toBeNull(); // paused: no escalation although the old deadline passed
    o = ok(life.resume(o, 'g1', T0 + 70 * MIN));
    expect(o).toMatchObject({ status: 'on_site', pausedMs: 60 * MIN, fixDue: T0 + 100 * MIN });
    o = ok(life.resolve(o, 'g1', T0 + 80 * MIN));
    expect(o.fixMs).toBe(20 * MIN);
    o = ok(life.confirm(o, 'resident', 'satisfied', 'quick', T0 + 90 * MIN));
    expect(o).toMatchObject({ status: 'closed', rating: { score: 'satisfied', comment: 'quick' } });
  });

  it('refuses what makes no sense, saying why', () => {
    const o = fresh();
    expect(life.resolve(o, 'op', T0)).toMatchObject({ refused: true, reason: 'not_on_site' });
    expect(life.arrive(o, 'g', T0, T0)).toMatchObject({ refused: true, reason: 'not_accepted' });
    expect(life.resume(o, 'op', T0)).toMatchObject({ refused: true, reason: 'not_paused' });
    expect(life.close(o, 'op', T0)).toMatchObject({ refused: true, reason: 'not_resolved' });
    const cancelled = ok(life.cancel(o, 'op', 'duplicate', T0));
    expect(life.accept(cancelled, 'g', T0)).toMatchObject({ refused: true, reason: 'done' });
    const paused = ok(life.pause(o, 'op', 'owner away', T0));
    expect(life.dispatch(paused, 'op', { assignee: 'g' }, T0)).toMatchObject({ refused: true, reason: 'paused' });
  });

  it('counts reopenings and keeps the clock running from the opening', () => {
    let o = fresh();
    o = ok(life.accept(o, 'g', T0));
    o = ok(life.arrive(o, 'g', T0 + MIN, T0 + MIN));
    o = ok(life.resolve(o, 'g', T0 + 10 * MIN));
    o = ok(life.reopen(o, 'resident', 'still leaking', T0 + 20 * MIN));
    expect(o).toMatchObject({ status: 'reopened', reopenCount: 1, fixDue: T0 + 40 * MIN });
    expect(o.fixMs).toBeUndefined();
    o = ok(life.arrive(o, 'g', T0 + 25 * MIN, T0 + 25 * MIN));
    expect(o.onSiteMs).toBe(MIN); // the first arrival stays the measured one
  });

  it('warns in the last fifth and escalates after each deadline, to whom it names', () => {
    let o = fresh();
    const steps: string[] = [];
    for (const t of [T0 + 4 * MIN, T0 + 5 * MIN, T0 + 32 * MIN, T0 + 40 * MIN]) {
      const s = life.clockStep(o, t, ['lead']);
      expect(s, `at +${(t - T0) / MIN} min`).not.toBeNull();
      steps.push(`${s!.change}:${s!.notice!.deadline}`);
      expect(s!.notice!.notify).toEqual(['lead']);
      o = s!.order;
    }
    expect(steps).toEqual(['warned:on_site', 'escalated:on_site', 'warned:fix', 'escalated:fix']);
    expect(life.nextWake(o)).toBeNull();
  });

  it('re-tiers with a reason: the fix deadline moves, the clock does not restart; complex needs a plan', () => {
    const o = ok(life.retier(fresh(), 'op', 'complex', 'needs a contractor', T0 + 10 * MIN));
    expect(o).toMatchObject({ tier: 'complex', fixDue: T0 + TIER_MS.complex, needsPlan: true, openedAt: T0 });
  });

  it('special tier: a plan within a day meets the pledge, so no fix escalation follows', () => {
    let o = fresh('special');
    o = ok(life.plan(o, 'op', { department: 'engineering', measures: 'brace the wall', deadline: T0 + 30 * 86_400_000 }, T0 + 3600_000));
    expect(o.planMs).toBe(3600_000);
    o = { ...o, onSiteAt: T0, escalation: 0, warned: 2 };
    expect(life.clockStep(o, T0 + 2 * 86_400_000, [])).toBeNull();
  });
});

describe('due queue', () => {
  it('pops entries in time order, only when due', () => {
    const q = new DueQueue();
    for (const [at, id] of [[50, 1], [10, 2], [30, 3], [20, 4]]) q.push(at, id, 1);
    expect(q.popDue(5)).toBeNull();
    const out: number[] = [];
    for (let e = q.popDue(30); e; e = q.popDue(30)) out.push(e.id);
    expect(out).toEqual([2, 4, 3]);
    expect(q.size).toBe(1);
  });
});
