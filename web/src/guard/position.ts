// A GPS fix for a check-in, best effort: it helps the server match by geofence and puts an SOS on
// the map. Check-ins never prompt (only when the guard already allowed it); an SOS may ask.
export interface Fix {
  lat: number;
  lon: number;
  /** the fix's radius of uncertainty (m, rounded up): the server refuses an on-site proof vaguer than the geofence */
  accuracy?: number;
}

export async function currentFix(mayAsk: boolean, timeoutMs = 3_000): Promise<Fix | undefined> {
  if (!('geolocation' in navigator)) return undefined;
  if (!mayAsk) {
    try {
      const status = await navigator.permissions.query({ name: 'geolocation' });
      if (status.state !== 'granted') return undefined;
    } catch {
      return undefined;
    }
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        clearTimeout(timer);
        const accuracy = Number.isFinite(p.coords.accuracy) && p.coords.accuracy >= 0 ? Math.ceil(p.coords.accuracy) : undefined;
        resolve({ lat: Number(p.coords.latitude.toFixed(7)), lon: Number(p.coords.longitude.toFixed(7)), ...(accuracy !== undefined ? { accuracy } : {}) });
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 10_000 },
    );
  });
}
