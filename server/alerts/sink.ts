// How any capability raises or clears an alert (patrol: missed checkpoint; vehicles: blacklisted plate,
// overstay; …). The alerts module implements it (de-duplication, lifecycle, the 54321 clock); without
// it, alerts go nowhere. Keep this interface small and additive.
export type AlertSeverity = 'info' | 'warning' | 'major' | 'critical';

/** The 54321 service pledge: how fast an alert must be fixed (all need a guard on site within 5 min). */
export type AlertTier = 'small' | 'serious' | 'complex' | 'special';

export interface AlertInput {
  estate: string;
  /** what the alert is about: a device id, a zone id, a plate, a route id … — (source, type) is the de-duplication key */
  source: string;
  type: string;
  severity: AlertSeverity;
  tier?: AlertTier;
  /** short text for the wall screen, English and Chinese */
  title: string;
  titleZh: string;
  /** where (local metres), for the map */
  x?: number;
  y?: number;
  building?: string;
  /** anything the operator should see (event ids, plate, checkpoint …) */
  detail?: Record<string, unknown>;
  /** when the condition was observed (epoch ms) */
  at: number;
}

export interface AlertSink {
  raise(alert: AlertInput): void;
  /** the condition ended (auto-clear), e.g. a device came back online */
  clear(estate: string, source: string, type: string, at: number): void;
}

export const NO_ALERTS: AlertSink = { raise() {}, clear() {} };
