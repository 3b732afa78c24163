// Entry of the residents' page at /report (报事报修): a phone page of its own — no 3D wall screen,
// no MQTT, just React and the form — light on a weak mobile link.
import { StrictMode } from 'react';
import type { Root } from 'react-dom/client';
import { getLang } from '../app/i18n.ts';
import { ReportApp } from './ReportApp.tsx';
import './report.css';

export function renderReport(root: Root): void {
  document.documentElement.classList.add('report-app');
  document.documentElement.lang = getLang();
  document.title = '报事报修 · 智慧小区';
  const theme = document.createElement('meta');
  theme.name = 'theme-color';
  theme.content = '#f4f7fb';
  document.head.appendChild(theme);
  root.render(
    <StrictMode>
      <ReportApp />
    </StrictMode>,
  );
}
