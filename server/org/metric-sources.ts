// The scorecard's metric sources, one line each. Work orders (server/workorders/) add theirs here:
// onTime54321 (the same 54321 clock as alerts), overdueRectifications and satisfaction.
import type { MetricSource } from './metric-source.ts';
import { alertsSource } from './sources/alerts.ts';
import { patrolSource } from './sources/patrol.ts';
import { devicesSource } from './sources/devices.ts';

export const METRIC_SOURCES: MetricSource[] = [alertsSource, patrolSource, devicesSource];
