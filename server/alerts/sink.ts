// How any capability raises or clears an alert (patrol: missed checkpoint; vehicles: blacklisted plate,
// overstay; …). The alerts module implements it (de-duplication, lifecycle, the 54321 clock); without
// it, alerts go nowhere. Keep this interface small and additive.
// Severity and tier are defined once, in the protocol (the web reads the same values).
import type { AlertSeverity, AlertTier } from '../../protocol/alerts.ts';
export type { AlertSeverity, AlertTier };

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
  /** the device that observed it (a camera, a plate reader), when there is one */
  device?: string;
  /** the zone it happened in */
  zone?: string;
  /** anything the operator should see (event ids, plate, checkpoint …) */
  detail?: Record<string, unknown>;
  /** when the condition was observed (epoch ms) */
  at: number;
}

export interface AlertSink {
  raise(alert: AlertInput): void;
  /** the condition ended (auto-clear), e.g. a device came back online */
  clear(estate: string, source: string, type: string, at: number): void;
  /** an alert by id (work orders are made from alerts); absent without the alerts module */
  get?(id: number): import('../../protocol/alerts.ts').Alert | undefined;
  /** stores the work order made from an alert on the alert (linked both ways) */
  linkWorkOrder?(id: number, workOrder: number, actor: string): void;
}

export const NO_ALERTS: AlertSink = { raise() {}, clear() {} };
