// Draws every building with two draw calls: the merged solids and their merged outline edges.
import { useEffect, useMemo } from 'react';
import type { BuildingInfo } from '../../../protocol/api.ts';
import { buildBuildingEdges, buildBuildingsGeometry } from './building-geometry.ts';
import { createBuildingMaterial } from './building-material.ts';

export function Buildings({ buildings }: { buildings: readonly BuildingInfo[] }) {
  const solids = useMemo(() => buildBuildingsGeometry(buildings), [buildings]);
  const edges = useMemo(() => (solids ? buildBuildingEdges(solids) : null), [solids]);
  const material = useMemo(() => createBuildingMaterial(), []);
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
    <group>
      <mesh geometry={solids} material={material} name="buildings" />
      <lineSegments geometry={edges} name="building-edges">
        <lineBasicMaterial color="#9fe3ff" transparent opacity={0.45} />
      </lineSegments>
    </group>
  );
}
