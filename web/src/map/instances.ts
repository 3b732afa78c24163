// Writing InstancedMesh data straight into its arrays: at 10,000 markers moving ten times a second,
// Object3D.updateMatrix + setMatrixAt per marker costs more than the whole frame budget; a
// translation + yaw + scale written as 16 floats does not. Pure array code, no renderer needed.
import { Color, DynamicDrawUsage, InstancedBufferAttribute, InstancedMesh, type BufferGeometry, type Material } from 'three';

/** An InstancedMesh with per-instance colours, dynamic buffers and the ids of what each instance shows. */
export function createInstances(geometry: BufferGeometry, material: Material, capacity: number, name: string): InstancedMesh {
  const mesh = new InstancedMesh(geometry, material, capacity);
  mesh.name = name;
  mesh.count = 0;
  mesh.frustumCulled = false;
  mesh.instanceMatrix.setUsage(DynamicDrawUsage);
  mesh.instanceColor = new InstancedBufferAttribute(new Float32Array(capacity * 3).fill(1), 3);
  mesh.instanceColor.setUsage(DynamicDrawUsage);
  mesh.userData.ids = [] as string[];
  return mesh;
}

/** Ids of a mesh's instances, in instance order (what a raycast's instanceId refers to). */
export function instanceIds(mesh: InstancedMesh): string[] {
  return mesh.userData.ids as string[];
}

/**
 * Instance `i` = translate(x, y, z) · rotateY(yaw) · scale(sx, sy, sz), column-major as three.js
 * stores it. Scene axes: X east, Y up, Z south (so a map y becomes -Z).
 */
export function writeTransform(array: Float32Array, i: number, x: number, y: number, z: number, yaw = 0, sx = 1, sy = 1, sz = 1): void {
  const o = i * 16;
  const c = yaw === 0 ? 1 : Math.cos(yaw);
  const s = yaw === 0 ? 0 : Math.sin(yaw);
  array[o] = c * sx;
  array[o + 1] = 0;
  array[o + 2] = -s * sx;
  array[o + 3] = 0;
  array[o + 4] = 0;
  array[o + 5] = sy;
  array[o + 6] = 0;
  array[o + 7] = 0;
  array[o + 8] = s * sz;
  array[o + 9] = 0;
  array[o + 10] = c * sz;
  array[o + 11] = 0;
  array[o + 12] = x;
  array[o + 13] = y;
  array[o + 14] = z;
  array[o + 15] = 1;
}

export function writeColor(array: Float32Array, i: number, color: Color): void {
  array[i * 3] = color.r;
  array[i * 3 + 1] = color.g;
  array[i * 3 + 2] = color.b;
}

/** The next capacity (a power of two, at least `min`) that holds `needed` instances. */
export function capacityFor(needed: number, min = 256): number {
  let capacity = min;
  while (capacity < needed) capacity *= 2;
  return capacity;
}

/** Marks the first `count` instances for upload (only the part in use goes to the GPU). */
export function commit(mesh: InstancedMesh, count: number, colors = true): void {
  mesh.count = count;
  mesh.instanceMatrix.clearUpdateRanges();
  mesh.instanceMatrix.addUpdateRange(0, count * 16);
  mesh.instanceMatrix.needsUpdate = true;
  if (colors && mesh.instanceColor) {
    mesh.instanceColor.clearUpdateRanges();
    mesh.instanceColor.addUpdateRange(0, count * 3);
    mesh.instanceColor.needsUpdate = true;
  }
}
