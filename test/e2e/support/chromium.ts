// Where the browser tests find Chromium: Debian's package (never a Playwright download).
import { accessSync, constants } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags for a quiet, deterministic headless Chromium in a container. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function findChromium(): { path: string } | { missing: string } {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return { path: CHROMIUM_PATH };
  } catch {
    return { missing: `Chromium not found at ${CHROMIUM_PATH} (install Debian's package: apt-get install -y chromium, or set CHROMIUM_PATH)` };
  }
}
