// HTTP security headers for the web app and the API (helmet). The content security policy allows
// no inline script and no eval: every script is a file Vite built, served from this origin.
//   - worker-src blob:, script-src blob: — troika (3D labels) and mqtt.js (timers) start workers from
//     Blob URLs made by the page's own scripts, and troika's worker loads its code with
//     importScripts(blob:), which script-src governs. A blob URL can only be made by script already
//     allowed, so this admits no script from elsewhere and nothing inline.
//   - connect-src 'self' — REST and MQTT over WebSocket to this origin (CSP 3: 'self' covers ws:/wss:).
//   - img-src data: blob: — the favicon is a data: URL, guard photos are previewed from blobs.
//   - frame-ancestors 'self' by default: nobody can frame the dashboard to click-jack an operator;
//     a site whose video-wall controller shows the wall screen in an iframe lists that origin
//     (`--frame-ancestors`). X-Frame-Options goes along only when it can say the same (SAMEORIGIN).
//   - HSTS only on HTTPS responses: on plain HTTP it means nothing, and it must never make a browser
//     refuse a site that has no certificate.
// No upgrade-insecure-requests: the plain-HTTP listener is a supported way to run (a LAN without a CA).
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export interface HeaderOptions {
  /** origins allowed to frame the app, besides itself (e.g. https://wall-controller.example) */
  frameAncestors?: string[];
  /** HSTS max-age on HTTPS responses (s; default one year) */
  hstsMaxAgeSeconds?: number;
}

export function securityHeaders(options: HeaderOptions = {}): RequestHandler[] {
  const ancestors = options.frameAncestors ?? [];
  const base = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", 'blob:'],
        'worker-src': ["'self'", 'blob:'],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'manifest-src': ["'self'"],
        'media-src': ["'self'", 'blob:'],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'self'", ...ancestors],
        'script-src-attr': ["'none'"],
      },
    },
    // X-Frame-Options cannot list origins: with extra ancestors, the CSP alone speaks.
    xFrameOptions: ancestors.length ? false : { action: 'sameorigin' },
    strictTransportSecurity: false,
    // The app loads nothing cross-origin; cameras' snapshots are served through the API.
    crossOriginEmbedderPolicy: false,
  });
  const hsts = helmet.strictTransportSecurity({ maxAge: options.hstsMaxAgeSeconds ?? 31_536_000, includeSubDomains: false });
  const onlyHttps: RequestHandler = (req, res, next) => ((req.socket as { encrypted?: boolean }).encrypted ? hsts(req, res, next) : next());
  return [base as RequestHandler, onlyHttps];
}
