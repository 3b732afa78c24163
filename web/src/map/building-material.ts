// The buildings' material: standard lighting on the vertex colours, plus floors of windows drawn in
// the shader from the surface position (no textures, no extra geometry, no extra draw calls). A few
// windows are lit, so the towers read as homes on a night-time control-room map.
import { MeshStandardMaterial } from 'three';

/** Storey height the window rows follow, metres. */
export const FLOOR_HEIGHT = 3;
/** Window bay width along a wall, metres. */
export const BAY_WIDTH = 3.6;
/** Share of windows that are lit. */
export const LIT_SHARE = 0.3;

/** `litShare`: share of lit windows (0 by day: windows then only darken the glass). */
export function createBuildingMaterial(litShare = LIT_SHARE): MeshStandardMaterial {
  const material = new MeshStandardMaterial({ vertexColors: true, roughness: 0.75, metalness: 0.05 });
  material.onBeforeCompile = (shader) => {
    shader.vertexShader = shader.vertexShader
      .replace('#include <common>', '#include <common>\nvarying vec3 vSePosition;\nvarying float vSeWall;')
      .replace('#include <begin_vertex>', '#include <begin_vertex>\nvSePosition = position;\nvSeWall = 1.0 - abs(normal.y);');
    shader.fragmentShader = shader.fragmentShader
      .replace(
        '#include <common>',
        `#include <common>
varying vec3 vSePosition;
varying float vSeWall;
float seHash(vec2 p) { return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453); }`,
      )
      .replace(
        '#include <emissivemap_fragment>',
        `#include <emissivemap_fragment>
if (vSeWall > 0.5) {
  // walls run along x or z (or between): x + z advances along any of them
  float storey = vSePosition.y / ${FLOOR_HEIGHT.toFixed(1)};
  float along = (vSePosition.x + vSePosition.z) / ${BAY_WIDTH.toFixed(1)};
  vec2 f = fract(vec2(along, storey));
  float glass = step(0.2, f.x) * step(f.x, 0.8) * step(0.3, f.y) * step(f.y, 0.82);
  diffuseColor.rgb *= 1.0 - 0.45 * glass;
  float lit = ${litShare > 0 ? '1.0' : '0.0'} * step(${(1 - litShare).toFixed(2)}, seHash(floor(vec2(along, storey)) + floor(vSePosition.xz / 97.0)));
  totalEmissiveRadiance += glass * lit * vec3(1.0, 0.76, 0.42) * 0.5;
}`,
      );
  };
  material.customProgramCacheKey = () => `smart-estate-building-windows-v2-${litShare.toFixed(2)}`;
  return material;
}
