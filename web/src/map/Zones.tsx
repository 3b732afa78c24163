// Zones as one flat translucent mesh (fills and outline ribbons merged, colours per vertex).
import { useEffect, useMemo } from 'react';
import type { ZoneInfo } from '../../../protocol/api.ts';
import { buildZonesGeometry } from './zone-geometry.ts';

export function Zones({ zones }: { zones: readonly ZoneInfo[] }) {
  const geometry = useMemo(() => buildZonesGeometry(zones), [zones]);
  useEffect(() => () => geometry?.dispose(), [geometry]);
  if (!geometry) return null;
  return (
    <mesh geometry={geometry} name="zones" renderOrder={1}>
      <meshBasicMaterial vertexColors transparent depthWrite={false} />
    </mesh>
  );
}
