// Which camera's live video is open: a plain store any panel can set (a click on a cone, an alert
// row from a camera, the kiosk on a new critical camera alert) and the dashboard shows.
import { useSyncExternalStore } from 'react';

let open: string | null = null;
const listeners = new Set<() => void>();

export function openCamera(device: string | null): void {
  if (open === device) return;
  open = device;
  for (const l of listeners) l();
}

export function useOpenCamera(): string | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => open,
  );
}
