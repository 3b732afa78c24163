// Installs the guard app's service worker (web/public/guard-sw.js, scope /guard) and hands it what
// this page loaded before the worker controlled it, so the very first visit already works offline.
export const SHELL_CACHE = 'se-guard-shell-v1';

/** Same-origin scripts, styles and icons this page uses: from the DOM (Vite adds modulepreload links for lazy chunks) and from the resource timeline. */
function loadedAssets(extra: string[]): string[] {
  const urls = new Set<string>(extra);
  for (const el of document.querySelectorAll<HTMLScriptElement | HTMLLinkElement>('script[src], link[href]')) {
    const url = 'src' in el && el.src ? el.src : (el as HTMLLinkElement).href;
    if (url) urls.add(url);
  }
  try {
    for (const e of performance.getEntriesByType('resource')) urls.add(e.name);
  } catch {
    // no resource timing (or a test clock replaced performance): the DOM is enough
  }
  return [...urls].filter((u) => {
    try {
      const url = new URL(u, location.href);
      return url.origin === location.origin && /^\/(assets\/|guard[^/]*\.(webmanifest|png|svg)$)/.test(url.pathname);
    } catch {
      return false;
    }
  });
}

/** Resolves when the app shell is cached; then `<html data-offline-ready>` says the app opens without a network. */
export async function registerGuardWorker(selfUrl: string): Promise<void> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  await navigator.serviceWorker.register('/guard-sw.js', { scope: '/guard' });
  await navigator.serviceWorker.ready;
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(
    loadedAssets([selfUrl]).map(async (url) => {
      if (await cache.match(url)) return;
      try {
        const res = await fetch(url, { cache: 'force-cache' });
        if (res.ok) await cache.put(url, res);
      } catch {
        // offline already: the worker caches it the next time it is fetched
      }
    }),
  );
  document.documentElement.dataset.offlineReady = 'true';
}
