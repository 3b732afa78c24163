// Entry of the guard app at /guard: phone page setup (title, manifest, theme colour), the app, and
// the service worker that lets it open offline.
import { StrictMode } from 'react';
import type { Root } from 'react-dom/client';
import { getLang } from '../app/i18n.ts';
import '../fonts/fonts.ts';
import { GuardApp } from './GuardApp.tsx';
import { registerGuardWorker } from './sw-register.ts';
import './guard.css';

function head(tag: 'link' | 'meta', attributes: Record<string, string>): void {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  document.head.appendChild(el);
}

export function renderGuard(root: Root): void {
  document.documentElement.classList.add('guard-app');
  document.documentElement.lang = getLang();
  document.title = '巡更 Patrol · 智慧小区';
  head('link', { rel: 'manifest', href: '/guard.webmanifest' });
  head('link', { rel: 'apple-touch-icon', href: '/guard-192.png' });
  head('meta', { name: 'theme-color', content: '#070d18' });
  head('meta', { name: 'mobile-web-app-capable', content: 'yes' });
  root.render(
    <StrictMode>
      <GuardApp />
    </StrictMode>,
  );
  registerGuardWorker(import.meta.url).catch((err: Error) => console.warn(`guard app: offline shell unavailable: ${err.message}`));
}
