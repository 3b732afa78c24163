// The scorecard's metric sources, one line each. Work orders (sources/workorders.ts) add
// onTime54321 (the same 54321 clock as alerts), overdueRectifications and satisfaction.
import type { MetricSource } from './metric-source.ts';
import { alertsSource } from './sources/alerts.ts';
import { patrolSource } from './sources/patrol.ts';
import { devicesSource } from './sources/devices.ts';
import { workordersSource } from './sources/workorders.ts';

export const METRIC_SOURCES: MetricSource[] = [alertsSource, patrolSource, devicesSource, workordersSource];
