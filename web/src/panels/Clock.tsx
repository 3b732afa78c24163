// The estate's local time in the header (the control room may not be in the estate's time zone).
import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../app/i18n.ts';
import { serverNow } from '../app/server-clock.ts';

export function Clock({ timeZone }: { timeZone: string }) {
  const { lang } = useI18n();
  const [now, setNow] = useState(() => serverNow());
  useEffect(() => {
    const timer = setInterval(() => setNow(serverNow()), 1000);
    return () => clearInterval(timer);
  }, []);
  const [date, time] = useMemo(() => {
    const zone = (() => {
      try {
        new Intl.DateTimeFormat(lang, { timeZone });
        return timeZone;
      } catch {
        return undefined;
      }
    })();
    return [
      new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', timeZone: zone }),
      new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone: zone }),
    ];
  }, [lang, timeZone]);
  return (
    <div className="clock">
      <span className="clock-time">{time.format(now)}</span>
      <span className="clock-date">{date.format(now)}</span>
    </div>
  );
}
