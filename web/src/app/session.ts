// The signed-in session: token + user, kept in sessionStorage so a reload stays signed in but a
// closed tab does not. A plain store with subscribe; React reads it through useSession.
import { useSyncExternalStore } from 'react';
import type { LoginResponse, UserInfo } from '../../../protocol/api.ts';
import type { MessageKey } from './i18n.ts';

export interface Session {
  token: string;
  expiresAt: number;
  user: UserInfo;
}

export interface SessionState {
  session: Session | null;
  /** Why the user is looking at the login page again (shown there), e.g. an expired session. */
  notice: MessageKey | null;
}

const STORAGE_KEY = 'smart-estate.session';
/**
 * Kiosk screens (`?kiosk=1`) also keep the session in localStorage, so a wall screen whose browser
 * restarted (power cut, update) comes back signed in. Use a viewer account for kiosks.
 */
const KIOSK_KEY = 'smart-estate.kiosk-session';

function isKiosk(): boolean {
  try {
    const flag = new URLSearchParams(location.search).get('kiosk');
    return flag !== null && flag !== '0' && flag !== 'false';
  } catch {
    return false;
  }
}

function isSession(value: unknown): value is Session {
  const s = value as Session | null;
  return !!s && typeof s.token === 'string' && typeof s.expiresAt === 'number' && !!s.user && typeof s.user.name === 'string';
}

function restore(): Session | null {
  try {
    const stored = sessionStorage.getItem(STORAGE_KEY) ?? (isKiosk() ? localStorage.getItem(KIOSK_KEY) : null);
    const parsed: unknown = JSON.parse(stored ?? 'null');
    if (isSession(parsed) && parsed.expiresAt > Date.now()) return parsed;
  } catch {
    // unreadable: sign in again
  }
  return null;
}

let state: SessionState = { session: typeof window === 'undefined' ? null : restore(), notice: null };
const listeners = new Set<() => void>();

function set(next: SessionState): void {
  state = next;
  try {
    if (next.session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next.session));
    else sessionStorage.removeItem(STORAGE_KEY);
    if (next.session && isKiosk()) localStorage.setItem(KIOSK_KEY, JSON.stringify(next.session));
    else if (!next.session) localStorage.removeItem(KIOSK_KEY);
  } catch {
    // the session still lives in memory for this page
  }
  for (const listener of listeners) listener();
}

export function getSessionState(): SessionState {
  return state;
}

export function currentToken(): string | null {
  return state.session?.token ?? null;
}

export function signIn(response: LoginResponse): void {
  set({ session: { token: response.token, expiresAt: response.expiresAt, user: response.user }, notice: null });
}

/** Back to the login page; `notice` says why (nothing for a deliberate sign-out). */
export function signOut(notice: MessageKey | null = null): void {
  if (!state.session && state.notice === notice) return;
  set({ session: null, notice });
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribeSession, getSessionState);
}
