// Draws every building with two draw calls: the merged solids and their merged outline edges. The
// merged geometry keeps a face → building table (building-geometry.ts) so a click names the
// building; the picked one is outlined on top.
import { useEffect, useMemo } from 'react';
import { MeshBasicMaterial } from 'three';
import { mergeGeometries } from 'three/examples/jsm/utils/BufferGeometryUtils.js';
import type { BuildingInfo } from '../../../protocol/api.ts';
import type { ScenePalette } from '../app/theme.ts';
import { buildBuildingEdges, buildBuildingsGeometry, extrudeBuilding, facesOf } from './building-geometry.ts';
import { createBuildingMaterial } from './building-material.ts';

export function Buildings({ buildings, palette, visible = true, opened = null }: { buildings: readonly BuildingInfo[]; palette: ScenePalette; visible?: boolean; opened?: string | null }) {
  const solids = useMemo(() => buildBuildingsGeometry(buildings, { palettes: palette.buildings }), [buildings, palette]);
  const edges = useMemo(() => (solids ? buildBuildingEdges(solids) : null), [solids]);
  const material = useMemo(() => createBuildingMaterial(palette.litWindows), [palette]);
  // the opened building's façade fades (its floors stand inside it): its triangles become their own
  // geometry group drawn with a faint material — two more draw calls while a building is open, none otherwise
  const faded = useMemo(() => new MeshBasicMaterial({ color: palette.edges, transparent: true, opacity: 0.1, depthWrite: false }), [palette]);
  const materials = useMemo(() => [material, faded], [material, faded]);
  const grouped = useMemo(() => {
    if (!solids) return false;
    solids.clearGroups();
    const faces = facesOf(solids);
    const i = opened && faces ? faces.ids.indexOf(opened) : -1;
    if (faces && i >= 0) {
      const total = faces.starts[faces.ids.length] * 3;
      const from = faces.starts[i] * 3;
      const to = faces.starts[i + 1] * 3;
      if (from > 0) solids.addGroup(0, from, 0);
      solids.addGroup(from, to - from, 1);
      if (to < total) solids.addGroup(to, total - to, 0);
      return true;
    }
    return false;
  }, [solids, opened]);
  useEffect(() => () => material.dispose(), [material]);
  useEffect(() => () => faded.dispose(), [faded]);
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
      <mesh geometry={solids} material={grouped ? materials : material} name="buildings" />
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
