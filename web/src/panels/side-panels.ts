// The wall screen's side column: the latest-events panel plus one panel per capability (alerts,
// patrol, gates …). A capability adds its panel here, once; the Dashboard renders them in order,
// stacked (a wall screen has no one to click through tabs).
import type { ComponentType } from 'react';
import type { EstateDetail } from '../../../protocol/api.ts';
import type { LiveStore } from '../live/live-store.ts';
import type { Session } from '../app/session.ts';
import { AlertsPanel } from './alerts/AlertsPanel.tsx';
import { GatesPanel } from './gates/GatesPanel.tsx';
import { PatrolPanel } from './patrol/PatrolPanel.tsx';
import { WorkOrdersPanel } from './workorders/WorkOrdersPanel.tsx';

export interface SidePanelProps {
  store: LiveStore;
  detail: EstateDetail;
  session: Session;
  /** the estate's IANA time zone, for clocks and times */
  timeZone: string;
}

export interface SidePanel {
  id: string;
  /** relative height in the column (the event panel has 1) */
  grow: number;
  component: ComponentType<SidePanelProps>;
}

/** Panels above the latest events, in order. */
export const SIDE_PANELS: SidePanel[] = [
  { id: 'alerts', grow: 2, component: AlertsPanel },
  { id: 'workorders', grow: 1.2, component: WorkOrdersPanel },
  { id: 'gates', grow: 1.5, component: GatesPanel },
  { id: 'patrol', grow: 1.2, component: PatrolPanel },
];
