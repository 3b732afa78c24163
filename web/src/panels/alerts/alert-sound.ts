// The alarm sound: a Web Audio beep (no file to load, nothing to go missing). Browsers start an
// AudioContext suspended until someone interacts with the page: a wall screen nobody touches may stay
// silent, so the state is shown and one click ("启用声音 enable sound") unlocks it. A screen can also
// be started with Chromium's --autoplay-policy=no-user-gesture-required.

export type SoundState = 'locked' | 'on' | 'muted' | 'unsupported';

const MUTE_KEY = 'smart-estate.alerts.muted';
const UNLOCK_EVENTS = ['pointerdown', 'keydown'] as const;

type AudioContextClass = typeof AudioContext;

export class AlertSound {
  private context: AudioContext | null = null;
  private listeners = new Set<() => void>();
  private muted: boolean;
  /** beeps played (for tests and the curious) */
  played = 0;

  constructor() {
    let muted = false;
    try {
      muted = localStorage.getItem(MUTE_KEY) === '1';
    } catch {
      // storage disabled: not muted
    }
    this.muted = muted;
    // a page opened right after a click (the login) may already be allowed to play
    this.context = this.create();
    this.context?.addEventListener('statechange', () => this.changed());
    // any touch of the screen (the kiosk's first tap for full screen, a click on the map) unlocks it too
    if (typeof window !== 'undefined') {
      for (const e of UNLOCK_EVENTS) window.addEventListener(e, this.unlock, { capture: true, passive: true });
    }
  }

  private readonly unlock = () => {
    if (this.context?.state === 'suspended') void this.context.resume().catch(() => undefined);
    else if (this.context?.state === 'running') this.forgetUnlock();
  };

  private forgetUnlock(): void {
    if (typeof window === 'undefined') return;
    for (const e of UNLOCK_EVENTS) window.removeEventListener(e, this.unlock, { capture: true });
  }

  get state(): SoundState {
    if (!this.context) return 'unsupported';
    if (this.muted) return 'muted';
    return this.context.state === 'running' ? 'on' : 'locked';
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** From a click: unlock the audio (and unmute), with a short confirmation tone. */
  async enable(): Promise<void> {
    this.setMuted(false);
    if (!this.context) return;
    try {
      await this.context.resume();
    } catch {
      // still locked: the state says so
    }
    this.tone([660], 0.12);
    this.changed();
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    try {
      localStorage.setItem(MUTE_KEY, muted ? '1' : '0');
    } catch {
      // remembered for this page only
    }
    this.changed();
  }

  /** Three rising beeps for a critical alert. Returns whether a sound could play. */
  alarm(): boolean {
    if (this.state !== 'on') return false;
    this.tone([880, 988, 1175], 0.18);
    this.played++;
    return true;
  }

  close(): void {
    this.forgetUnlock();
    void this.context?.close().catch(() => undefined);
    this.context = null;
    this.listeners.clear();
  }

  private create(): AudioContext | null {
    const Ctor = (globalThis as { AudioContext?: AudioContextClass; webkitAudioContext?: AudioContextClass }).AudioContext ??
      (globalThis as { webkitAudioContext?: AudioContextClass }).webkitAudioContext;
    if (!Ctor) return null;
    try {
      return new Ctor();
    } catch {
      return null;
    }
  }

  private tone(frequencies: number[], seconds: number): void {
    const ctx = this.context;
    if (!ctx || ctx.state !== 'running') return;
    let t = ctx.currentTime + 0.02;
    for (const f of frequencies) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + seconds);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + seconds + 0.02);
      t += seconds + 0.08;
    }
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

let shared: AlertSound | null = null;

/**
 * The page's one alarm sound, shared by the alerts and work-order panels: one AudioContext, one
 * "enable sound" click for both. Lives as long as the page (never closed by a panel unmounting).
 */
export function sharedAlertSound(): AlertSound {
  return (shared ??= new AlertSound());
}
