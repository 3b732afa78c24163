// The handheld's identity: device id + device token (a device credential, like the one a patrol
// handheld has in its firmware), and the guard who carries it. Kept in localStorage: the phone is
// provisioned once and stays signed in through reloads, offline.
import { parseProvisioning, type Provisioning } from '../../../protocol/patrol.ts';

export interface GuardCredentials {
  device: string;
  token: string;
  guard: string;
}

const KEY = 'smart-estate.guard.credentials';

export function loadCredentials(): GuardCredentials | null {
  try {
    const c = JSON.parse(localStorage.getItem(KEY) ?? 'null') as GuardCredentials | null;
    if (c && typeof c.device === 'string' && typeof c.token === 'string' && typeof c.guard === 'string') return c;
  } catch {
    // unreadable: provision again
  }
  return null;
}

export function saveCredentials(c: GuardCredentials): void {
  localStorage.setItem(KEY, JSON.stringify(c));
}

export function clearCredentials(): void {
  localStorage.removeItem(KEY);
}

/**
 * A provisioning code for another server: open the app there, with the code in the URL fragment
 * (never sent to any server), so everything stays same-origin. Returns the URL, or null when the code
 * is for this server.
 */
export function elsewhere(p: Provisioning, origin: string): string | null {
  if (!p.server || p.server.replace(/\/$/, '') === origin) return null;
  const code = JSON.stringify({ device: p.device, token: p.token, ...(p.guard ? { guard: p.guard } : {}) });
  return `${p.server.replace(/\/$/, '')}/guard#provision=${encodeURIComponent(code)}`;
}

/** `#provision=…` in the address (a link or a QR code that holds a URL): read it once and drop it. */
export function takeProvisionFromHash(): Provisioning | null {
  const m = /^#provision=(.+)$/.exec(location.hash);
  if (!m) return null;
  history.replaceState(null, '', location.pathname + location.search);
  let text: string;
  try {
    text = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  const parsed = parseProvisioning(text);
  return parsed.ok ? parsed.value : null;
}
