// Shapes of the live markers, sized to read from across a control room (exaggerated on purpose:
// a 1.7 m guard would be a pixel at estate scale). Pure: no renderer needed.
import { BoxGeometry, BufferGeometry, ConeGeometry, RingGeometry, SphereGeometry } from 'three';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';

/** A map pin standing on the ground: a downward cone with a ball on top, ~18 m tall, and a ring at its foot. */
export function guardPinGeometry(): BufferGeometry {
  const head = new SphereGeometry(5, 14, 10).translate(0, 18, 0);
  const stem = new ConeGeometry(3.6, 14, 14, 1).rotateX(Math.PI).translate(0, 7, 0);
  const ring = new RingGeometry(5.5, 7.5, 24).rotateX(-Math.PI / 2).translate(0, 0.3, 0);
  const pin = mergeGeometries([head, stem, ring], false);
  head.dispose();
  stem.dispose();
  ring.dispose();
  if (!pin) throw new Error('guard pin geometry could not be merged');
  return pin;
}

/**
 * The pin for crowds (over a thousand guards on screen): the same silhouette in ~30 triangles
 * instead of ~500. At that count each pin is a few pixels, and the GPU's time (SwiftShader here,
 * a modest integrated GPU on many wall-screen PCs) is what a crowd costs.
 */
export function guardPinLowGeometry(): BufferGeometry {
  const head = new SphereGeometry(5, 6, 4).translate(0, 18, 0);
  const stem = new ConeGeometry(3.6, 14, 6, 1).rotateX(Math.PI).translate(0, 7, 0);
  const pin = mergeGeometries([head, stem], false);
  head.dispose();
  stem.dispose();
  if (!pin) throw new Error('guard pin geometry could not be merged');
  return pin;
}

/** Above this many guards the low-detail pin is drawn. */
export const CROWD_GUARDS = 1024;

/** A car-sized block (exaggerated ×2), long side along X before rotation. */
export function vehicleGeometry(): BufferGeometry {
  return new BoxGeometry(9, 3.6, 4.6).translate(0, 1.8, 0);
}

/**
 * A unit view cone with its tip at the origin opening towards -Z (north in scene axes), so an
 * instance is placed by rotating about Y by -heading and scaling X/Y by the spread and Z by the reach.
 */
export function cameraConeGeometry(): BufferGeometry {
  // ConeGeometry's tip is at +Y: move it to the origin, then lay the axis along Z with the base at -Z
  return new ConeGeometry(1, 1, 24, 1, true).translate(0, -0.5, 0).rotateX(Math.PI / 2);
}

/** How far a camera's cone reaches on the map, metres. */
export const CAMERA_REACH = 16;

/** Half-width of a cone of field of view `fovDeg` at reach `reach` (capped so a fisheye does not flood the map). */
export function coneSpread(fovDeg: number, reach = CAMERA_REACH): number {
  const half = (Math.min(Math.max(fovDeg, 10), 150) / 2) * (Math.PI / 180);
  return Math.tan(half) * reach;
}

/** A flat ring on the ground around an incident; instances pulse by scale. */
export function alarmRingGeometry(): BufferGeometry {
  return new RingGeometry(0.72, 1, 48).rotateX(-Math.PI / 2).translate(0, 0.4, 0);
}
