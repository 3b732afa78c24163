// Launches the machine's Debian Chromium through playwright-core for end-to-end tests. Headless
// WebGL is software-rendered (SwiftShader): good for function, screenshots and draw-call counts,
// never for frame rates. Each launch gets a fresh profile directory, removed on close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far (for diagnosing a failed test). */
  errors: string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** viewport; default 1920×1080, a wall screen */
  width?: number;
  height?: number;
  locale?: string;
  /** a phone: touch and mobile viewport semantics (use with a phone-sized width/height); pixel ratio 1 keeps SwiftShader cheap */
  mobile?: boolean;
  /** extra Chromium flags for this launch (e.g. --ignore-certificate-errors-spki-list=… for a test CA) */
  args?: string[];
  /** extra environment for the browser process (e.g. FONTCONFIG_FILE: support/bare-fonts.ts) */
  env?: Record<string, string>;
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'se-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true, // with --headless=new in args; playwright adds nothing conflicting
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      viewport: { width: options.width ?? 1920, height: options.height ?? 1080 },
      locale: options.locale ?? 'zh-CN',
      ...(options.mobile ? { isMobile: true, hasTouch: true } : {}),
      ...(options.env ? { env: { ...process.env, ...options.env } as Record<string, string> } : {}),
      timeout: 60_000,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  return {
    context,
    page,
    errors,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}
