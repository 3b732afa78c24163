// The ground: a plane a little larger than the estate and a 10 m survey grid on it, in the theme's colours.
import { useMemo } from 'react';
import type { Bounds } from './estate-bounds.ts';

const GRID_STEP = 10;

export function Ground({ bounds, color = '#0c1524', gridMajor = '#1d3352', gridMinor = '#14243b' }: { bounds: Bounds; color?: string; gridMajor?: string; gridMinor?: string }) {
  const { size, cx, cz } = useMemo(() => {
    const span = Math.max(bounds.maxX - bounds.minX, bounds.maxY - bounds.minY);
    // a whole number of grid cells, so the lines fall on round metres
    const cells = Math.ceil((span * 1.6) / GRID_STEP / 2) * 2;
    return {
      size: cells * GRID_STEP,
      cx: Math.round((bounds.minX + bounds.maxX) / 2 / GRID_STEP) * GRID_STEP,
      cz: -Math.round((bounds.minY + bounds.maxY) / 2 / GRID_STEP) * GRID_STEP,
    };
  }, [bounds]);
  return (
    <group position={[cx, 0, cz]}>
      <mesh rotation-x={-Math.PI / 2} name="ground">
        <planeGeometry args={[size * 3, size * 3]} />
        <meshStandardMaterial color={color} roughness={1} metalness={0} />
      </mesh>
      <gridHelper key={`${gridMajor}${gridMinor}`} args={[size, size / GRID_STEP, gridMajor, gridMinor]} position-y={0.02} />
    </group>
  );
}
