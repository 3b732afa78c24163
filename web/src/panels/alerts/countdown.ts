// The 54321 countdowns: text for a deadline, and a hook that rewrites every countdown in a panel a
// few times a second straight in the DOM, so time passing never re-renders React.
import { useEffect, type RefObject } from 'react';

/** "4:59", "1:02:03", "2d 03h"; negative = overdue, shown with a minus sign. */
export function formatCountdown(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${sign}${days}d ${two(hours)}h`;
  if (hours > 0) return `${sign}${hours}:${two(minutes)}:${two(seconds)}`;
  return `${sign}${minutes}:${two(seconds)}`;
}

/** How urgent a deadline looks: calm, the last fifth of the time, overdue. */
export function urgency(due: number, opened: number, now: number): 'calm' | 'soon' | 'overdue' {
  if (now >= due) return 'overdue';
  return due - now <= (due - opened) / 5 ? 'soon' : 'calm';
}

export const COUNTDOWN_MS = 250;

/**
 * Every element under `root` with `data-due` (epoch ms) and `data-opened` shows its countdown, and
 * gets `data-urgency`. Runs on an interval; React renders the elements once.
 */
export function useCountdowns(root: RefObject<HTMLElement | null>, clock: () => number = Date.now): void {
  useEffect(() => {
    const update = () => {
      const now = clock();
      root.current?.querySelectorAll<HTMLElement>('[data-due]').forEach((el) => {
        const due = Number(el.dataset.due);
        const opened = Number(el.dataset.opened ?? due);
        const text = formatCountdown(due - now);
        if (el.textContent !== text) el.textContent = text;
        const level = urgency(due, opened, now);
        if (el.dataset.urgency !== level) el.dataset.urgency = level;
      });
    };
    update();
    const timer = setInterval(update, COUNTDOWN_MS);
    return () => clearInterval(timer);
  }, [root, clock]);
}
