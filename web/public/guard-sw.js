// The guard app's service worker (scope /guard). The app shell comes from the cache first, so the
// app opens and reloads with no network at all; a fresh copy is fetched in the background for next
// time. The API and MQTT are never cached: the app queues check-ins itself (IndexedDB) and keeps the
// last tour it saw. Bump SHELL_CACHE to drop every cached build.
const SHELL_CACHE = 'se-guard-shell-v1';
const SHELL = '/guard';
const STATIC = /^\/(assets\/|guard[^/]*\.(webmanifest|png|svg)$)/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      const res = await fetch(SHELL, { cache: 'no-store' });
      if (!res.ok) throw new Error(`app shell: HTTP ${res.status}`);
      const html = await res.clone().text();
      await cache.put(SHELL, res);
      // what the shell loads (the entry chunk, its CSS, the manifest); lazy chunks are added by the page
      const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]).filter((p) => STATIC.test(p));
      await cache.addAll([...new Set([...assets, '/guard.webmanifest', '/guard-192.png', '/guard-512.png'])]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('se-guard-') && key !== SHELL_CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  // the scope '/guard' also prefix-matches '/guard.webmanifest', '/guardhouse' …: the app is /guard and /guard/…
  if (req.mode === 'navigate' && /^\/guard(\/|$)/.test(url.pathname)) event.respondWith(shell(event));
  else if (STATIC.test(url.pathname)) event.respondWith(cacheFirst(req));
});

async function shell(event) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(SHELL);
  const fresh = fetch(event.request, { cache: 'no-store' }).then(async (res) => {
    if (res.ok && !res.redirected) await cache.put(SHELL, res.clone());
    return res;
  });
  if (!cached) return fresh;
  event.waitUntil(fresh.catch(() => undefined));
  return cached;
}

async function cacheFirst(req) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(req, { ignoreSearch: true });
  if (cached) return cached;
  const res = await fetch(req);
  // hashed file names never change content: keep them
  if (res.ok) await cache.put(req, res.clone());
  return res;
}
