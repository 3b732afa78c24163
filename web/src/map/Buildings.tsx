// Draws every building with two draw calls: the merged solids and their merged outline edges. The
// merged geometry keeps a face → building table (building-geometry.ts) so a click names the
// building; the picked one is outlined on top.
import { useEffect, useMemo } from 'react';
import { MeshBasicMaterial } from 'three';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';
import type { BuildingInfo } from '../../../protocol/api.ts';
import type { ScenePalette } from '../app/theme.ts';
import { buildBuildingEdges, buildBuildingsGeometry, extrudeBuilding } from './building-geometry.ts';
import { createBuildingMaterial } from './building-material.ts';

export function Buildings({ buildings, palette, visible = true }: { buildings: readonly BuildingInfo[]; palette: ScenePalette; visible?: boolean }) {
  const solids = useMemo(() => buildBuildingsGeometry(buildings, { palettes: palette.buildings }), [buildings, palette]);
  const edges = useMemo(() => (solids ? buildBuildingEdges(solids) : null), [solids]);
  const material = useMemo(() => createBuildingMaterial(palette.litWindows), [palette]);
  useEffect(() => () => material.dispose(), [material]);
  useEffect(
    () => () => {
      solids?.dispose();
      edges?.dispose();
    },
    [solids, edges],
  );
  if (!solids || !edges) return null;
  return (
    <group visible={visible}>
      <mesh geometry={solids} material={material} name="buildings" />
      <lineSegments geometry={edges} name="building-edges">
        <lineBasicMaterial color={palette.edges} transparent opacity={palette.edgeOpacity} />
      </lineSegments>
    </group>
  );
}

/** The picked building, outlined and tinted over the rest (drawn only while something is picked). */
export function BuildingHighlight({ building, color }: { building: BuildingInfo | null; color: string }) {
  const geometry = useMemo(() => {
    if (!building) return null;
    const parts = extrudeBuilding(building);
    if (!parts.length) return null;
    const merged = mergeGeometries(parts, false);
    for (const p of parts) p.dispose();
    return merged;
  }, [building]);
  const edges = useMemo(() => (geometry ? buildBuildingEdges(geometry) : null), [geometry]);
  const fill = useMemo(() => new MeshBasicMaterial({ color, transparent: true, opacity: 0.28, depthWrite: false, depthTest: false }), [color]);
  useEffect(() => () => fill.dispose(), [fill]);
  useEffect(
    () => () => {
      geometry?.dispose();
      edges?.dispose();
    },
    [geometry, edges],
  );
  if (!geometry || !edges) return null;
  return (
    <group name="building-highlight" renderOrder={15}>
      <mesh geometry={geometry} material={fill} renderOrder={15} />
      <lineSegments geometry={edges} renderOrder={16}>
        <lineBasicMaterial color={color} depthTest={false} transparent opacity={1} />
      </lineSegments>
    </group>
  );
}
