// The far zoom's count badges (declutter.ts): ONE InstancedMesh of a unit quad drawn in screen space
// (one draw call for every badge), each instance a tile of one texture atlas holding every text a
// badge can say (2 … 99, 100+ … 10k+) on a white disc, tinted by the badge's kind. An instance's
// translation carries its place in normalised device coordinates and its tile: nothing per badge is
// typeset, so a badge whose count changes costs 16 floats, not a text layout.
import { CanvasTexture, Color, PlaneGeometry, ShaderMaterial, SRGBColorSpace, type InstancedMesh } from 'three';
import { BADGE_PX, BADGE_TEXTS, badgeTile, type Badge } from './declutter.ts';
import { commit, createInstances, writeColor, writeTransform } from './instances.ts';

const TILE_PX = 64;
const COLS = 16;
const ROWS = Math.ceil(BADGE_TEXTS.length / COLS);
/** Enough for a 4K wall screen's grid (60 × 34 cells). */
export const BADGE_CAPACITY = 4096;

function atlas(): CanvasTexture {
  const canvas = document.createElement('canvas');
  canvas.width = COLS * TILE_PX;
  canvas.height = ROWS * TILE_PX;
  const g = canvas.getContext('2d')!;
  BADGE_TEXTS.forEach((text, i) => {
    const cx = (i % COLS) * TILE_PX + TILE_PX / 2;
    const cy = Math.floor(i / COLS) * TILE_PX + TILE_PX / 2;
    g.beginPath();
    g.arc(cx, cy, TILE_PX / 2 - 3, 0, Math.PI * 2);
    g.fillStyle = '#ffffff';
    g.fill();
    g.lineWidth = 3;
    g.strokeStyle = 'rgba(8, 12, 24, 0.85)';
    g.stroke();
    g.fillStyle = '#0b1020';
    g.font = `bold ${text.length > 3 ? 19 : text.length > 2 ? 23 : 28}px sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(text, cx, cy + 1);
  });
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = SRGBColorSpace;
  return texture;
}

const VERTEX = /* glsl */ `
uniform vec2 uSize;
uniform vec2 uGrid;
varying vec2 vUv;
varying vec3 vColor;
void main() {
  vec3 c = instanceMatrix[3].xyz;
  float col = mod(c.z, uGrid.x);
  float row = floor(c.z / uGrid.x + 0.001);
  vUv = (vec2(col, uGrid.y - 1.0 - row) + uv) / uGrid;
  vColor = instanceColor;
  gl_Position = vec4(c.xy + position.xy * uSize, 0.0, 1.0);
}`;

const FRAGMENT = /* glsl */ `
uniform sampler2D uMap;
varying vec2 vUv;
varying vec3 vColor;
void main() {
  vec4 t = texture2D(uMap, vUv);
  if (t.a < 0.02) discard;
  gl_FragColor = vec4(t.rgb * vColor, t.a);
  #include <colorspace_fragment>
}`;

export function createBadgeMesh(): InstancedMesh {
  const material = new ShaderMaterial({
    uniforms: { uMap: { value: atlas() }, uSize: { value: [0.05, 0.05] }, uGrid: { value: [COLS, ROWS] } },
    vertexShader: VERTEX,
    fragmentShader: FRAGMENT,
    transparent: true,
    depthTest: false,
    depthWrite: false,
  });
  const mesh = createInstances(new PlaneGeometry(1, 1), material, BADGE_CAPACITY, 'cluster-badges');
  mesh.renderOrder = 15;
  // screen-space instances: a ray through the scene must not hit them as if they stood at the origin
  mesh.raycast = () => {};
  mesh.visible = false;
  return mesh;
}

export function disposeBadgeMesh(mesh: InstancedMesh): void {
  const material = mesh.material as ShaderMaterial;
  (material.uniforms.uMap.value as CanvasTexture).dispose();
  material.dispose();
  mesh.geometry.dispose();
  mesh.dispose();
}

/** Writes the badges of a width × height (CSS px) view, coloured by kind. */
export function writeBadges(mesh: InstancedMesh, badges: readonly Badge[], width: number, height: number, colors: readonly Color[]): void {
  const material = mesh.material as ShaderMaterial;
  material.uniforms.uSize.value = [(BADGE_PX * 2) / Math.max(1, width), (BADGE_PX * 2) / Math.max(1, height)];
  const matrices = mesh.instanceMatrix.array as Float32Array;
  const tints = mesh.instanceColor!.array as Float32Array;
  const n = Math.min(badges.length, BADGE_CAPACITY);
  for (let i = 0; i < n; i++) {
    const b = badges[i];
    writeTransform(matrices, i, (b.sx / width) * 2 - 1, 1 - (b.sy / height) * 2, badgeTile(b.count));
    writeColor(tints, i, colors[b.kind]);
  }
  commit(mesh, n);
  mesh.visible = n > 0;
}
