// The demo estate 花园小区 (Garden Estate) in Hangzhou, laid out in design metres and written as an
// estate file (GeoJSON, the convention in ../geojson.ts). Pure and deterministic: generate.ts writes
// the result to garden.geojson, and a test checks that the committed file is what this produces.
//
// Layout (design frame: x east, y north, metres from the estate centre; the whole estate is then
// turned ROTATION_DEG clockwise, as real compounds follow their streets):
//   perimeter fence 300 × 250 m with a cut north-east corner; a ring fire lane inside it;
//   north strip (y 70…100): two low-rise blocks, clubhouse (courtyard), walkway, property office,
//   kindergarten (two wings: a MultiPolygon), power room (restricted);
//   five rows of slab towers, tallest in the north, low-rise in the south (sunlight), a central
//   garden on the north–south axis; gates: north main (cars + people), east (cars), south (people).
//   Streets between the rows (y = 63, 29, −4, −36, −71) and the axis x = 0 keep the patrol legs clear
//   of buildings: consecutive checkpoints are joined by a street.
import { localFrame } from '../../../protocol/index.ts';

export const GARDEN_ESTATE = {
  id: 'garden',
  name: 'Garden Estate',
  nameZh: '花园小区',
  lat: 30.288,
  lon: 120.129,
  timezone: 'Asia/Shanghai',
} as const;

export const ROTATION_DEG = 6;

type XY = [number, number];
type Props = Record<string, string | number>;
interface Feature {
  type: 'Feature';
  properties: Props;
  geometry: { type: 'Polygon'; coordinates: XY[][] } | { type: 'MultiPolygon'; coordinates: XY[][][] } | { type: 'Point'; coordinates: XY };
}
export interface EstateFeatureCollection {
  type: 'FeatureCollection';
  name: string;
  'se:estate': typeof GARDEN_ESTATE;
  features: Feature[];
}

const frame = localFrame(GARDEN_ESTATE);
const rad = (ROTATION_DEG * Math.PI) / 180;

/** Design metres → [lon, lat], turned clockwise by ROTATION_DEG, rounded to 1e-7° (~1 cm). */
function place([x, y]: XY): XY {
  const rx = x * Math.cos(rad) + y * Math.sin(rad);
  const ry = -x * Math.sin(rad) + y * Math.cos(rad);
  const [lon, lat] = frame.toLonLat(rx, ry);
  return [Number(lon.toFixed(7)), Number(lat.toFixed(7))];
}

const heading = (h: number) => (h + ROTATION_DEG + 360) % 360;

/** Closed ring; counter-clockwise for outer rings, clockwise for holes (RFC 7946). */
function ring(points: XY[], clockwise = false): XY[] {
  const pts = clockwise ? [...points].reverse() : points;
  return [...pts, pts[0]].map(place);
}

function rect(x0: number, y0: number, x1: number, y1: number): XY[] {
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
}

/** A slab tower: rectangle with a daylight recess (采光凹槽) in the middle of the north wall. */
function slab(x0: number, y0: number, x1: number, y1: number): XY[] {
  const xm = (x0 + x1) / 2;
  return [[x0, y0], [x1, y0], [x1, y1], [xm + 3, y1], [xm + 3, y1 - 3], [xm - 3, y1 - 3], [xm - 3, y1], [x0, y1]];
}

const polygon = (props: Props, outer: XY[], ...holes: XY[][]): Feature => ({
  type: 'Feature',
  properties: props,
  geometry: { type: 'Polygon', coordinates: [ring(outer), ...holes.map((h) => ring(h, true))] },
});

const point = (props: Props, at: XY): Feature => ({ type: 'Feature', properties: props, geometry: { type: 'Point', coordinates: place(at) } });

// ---- buildings ---------------------------------------------------------------------------------

/** Tower columns (x ranges) shared by the rows; the axis x = 0 and the garden stay open. */
const SLOTS: Array<[number, number]> = [[-122, -92], [-80, -50], [-40, -10], [10, 40], [50, 80], [92, 122]];

interface Row {
  y: [number, number];
  slots: number[];
  /** per slot: storeys, or a height in metres given as OSM `height` instead of levels */
  storeys: Array<number | { height: string | number }>;
  lowRise?: boolean;
}

const ROWS: Row[] = [
  { y: [42, 56], slots: [0, 1, 2, 3, 4, 5], storeys: [33, 32, { height: '96 m' }, 30, 32, 33] },
  { y: [8, 22], slots: [0, 1, 4, 5], storeys: [28, 26, { height: 80.5 }, 28] },
  { y: [-26, -12], slots: [0, 1, 4, 5], storeys: [24, 22, 22, { height: '69' }] },
  { y: [-60, -46], slots: [0, 1, 2, 3, 4, 5], storeys: [18, 20, 18, 18, 20, 18] },
  // slot 5 of the south row is the visitor car park
  { y: [-96, -82], slots: [0, 1, 2, 3, 4], storeys: [6, 5, 4, 5, 6], lowRise: true },
];

function buildings(): Feature[] {
  const out: Feature[] = [];
  let no = 0;
  const residential = (x0: number, y0: number, x1: number, y1: number, storeys: Row['storeys'][number], lowRise: boolean) => {
    no++;
    const props: Props = {
      'se:id': `b${String(no).padStart(2, '0')}`,
      building: lowRise ? 'residential' : 'apartments',
      name: `${no}号楼`,
      'name:en': `Building ${no}`,
    };
    if (typeof storeys === 'number') props['building:levels'] = storeys;
    else props.height = storeys.height;
    out.push(polygon(props, lowRise ? rect(x0, y0, x1, y1) : slab(x0, y0, x1, y1)));
  };

  // North strip: two low-rise blocks (洋房) west of the clubhouse.
  residential(-122, 76, -92, 96, 6, true);
  residential(-80, 76, -50, 96, 6, true);
  for (const row of ROWS) {
    row.slots.forEach((slot, i) => {
      const [x0, x1] = SLOTS[slot];
      // low-rise blocks are shallower than the 30 m slabs
      const [bx0, bx1] = row.lowRise ? [x0 + 2, x1 - 2] : [x0, x1];
      residential(bx0, row.y[0], bx1, row.y[1], row.storeys[i], Boolean(row.lowRise));
    });
  }

  out.push(
    polygon(
      { 'se:id': 'clubhouse', building: 'commercial', amenity: 'community_centre', name: '会所', 'name:en': 'Clubhouse', 'building:levels': 2 },
      rect(-42, 70, -12, 100),
      rect(-33, 79, -21, 91), // courtyard
    ),
    polygon(
      // covered walkway over the main axis: fire engines need 4 m of clearance under it
      { 'se:id': 'walkway', building: 'roof', name: '连廊', 'name:en': 'Covered Walkway', min_height: 4.5, height: 7 },
      rect(-12, 84, 12, 88),
    ),
    polygon(
      { 'se:id': 'pmo', building: 'office', office: 'property_management', name: '物业服务中心', 'name:en': 'Property Management Office', 'building:levels': 3 },
      rect(12, 78, 34, 96),
    ),
    {
      type: 'Feature',
      properties: { 'se:id': 'kindergarten', building: 'kindergarten', amenity: 'kindergarten', name: '幼儿园', 'name:en': 'Kindergarten', 'building:levels': 3 },
      geometry: { type: 'MultiPolygon', coordinates: [[ring(rect(48, 72, 78, 98))], [ring(rect(86, 76, 106, 94))]] },
    },
    polygon(
      { 'se:id': 'power-room', building: 'service', power: 'substation', name: '配电房', 'name:en': 'Power Room', 'building:levels': 1 },
      rect(116, 82, 128, 94),
    ),
    polygon(
      { 'se:id': 'booth-north', building: 'gatehouse', name: '北门岗亭', 'name:en': 'North Gate Guard Booth', height: '3.2 m' },
      rect(9, 116, 14, 121),
    ),
  );
  return out;
}

// ---- zones, gates, checkpoints -------------------------------------------------------------------

/** The fence: 300 × 250 m, the north-east corner cut by the neighbouring street. */
const FENCE: XY[] = [[-150, -125], [150, -125], [150, 108], [133, 125], [-150, 125]];

function zones(): Feature[] {
  const zone = (id: string, kind: string, name: string, en: string) => ({ 'se:kind': 'zone', 'se:zone': kind, 'se:id': id, name, 'name:en': en });
  return [
    polygon(zone('perimeter', 'perimeter', '周界', 'Perimeter'), FENCE),
    // the ring road is the fire lane: a polygon with the estate's inside as its hole
    polygon(zone('fire-lane', 'fire_lane', '环形消防通道', 'Ring Fire Lane'), rect(-140, -115, 140, 115), rect(-134, -109, 134, 109)),
    polygon(zone('power-room', 'restricted', '配电房禁区', 'Power Room (restricted)'), rect(113, 79, 131, 97)),
    // capacity (OSM `capacity`): the underground garage under the ramp, and the surface visitor car park
    polygon({ ...zone('carpark-ramp', 'car_park', '地下车库入口', 'Underground Car Park Ramp'), capacity: 220 }, rect(104, -41, 132, -31)),
    polygon({ ...zone('carpark-visitor', 'car_park', '访客停车场', 'Visitor Car Park'), capacity: 40 }, rect(92, -100, 122, -80)),
  ];
}

function gates(): Feature[] {
  const gate = (id: string, access: string, name: string, en: string) => ({ 'se:kind': 'gate', 'se:id': id, 'se:access': access, name, 'name:en': en });
  // Visitors register at the main gate's booth and park in the visitor car park; the east gate is the
  // residents' way straight down the garage ramp. Each gate's plate camera counts for that car park.
  const vehicles = (carPark: string, device: string) => ({ 'se:car_park': carPark, 'se:devices': device });
  return [
    point({ ...gate('gate-north', 'vehicle,pedestrian', '北门（主入口）', 'North Main Gate'), ...vehicles('carpark-visitor', 'garden-lpr-north') }, [0, 125]),
    point({ ...gate('gate-east', 'vehicle', '东门（车行）', 'East Vehicle Gate'), ...vehicles('carpark-ramp', 'garden-lpr-east') }, [150, -36]),
    point(gate('gate-south', 'pedestrian', '南门（人行）', 'South Pedestrian Gate'), [0, -125]),
  ];
}

/** In patrol order (巡更路线): each leg follows a street or the ring road. */
const CHECKPOINTS: Array<[XY, string, string]> = [
  [[6, 112], '北门岗亭', 'North Gate Booth'],
  [[63, 103], '幼儿园北门', 'Kindergarten North Door'],
  [[137, 112], '东北角', 'North-East Corner'],
  [[131, 88], '配电房', 'Power Room'],
  [[141, -36], '东门', 'East Gate'],
  [[124, -36], '地库入口', 'Car Park Ramp'],
  [[137, -112], '东南角', 'South-East Corner'],
  [[0, -112], '南门', 'South Gate'],
  [[0, -4], '中心花园', 'Central Garden'],
  [[-137, -4], '西侧中段', 'West Side'],
  [[-137, 112], '西北角', 'North-West Corner'],
  [[-27, 104], '会所北门', 'Clubhouse North Door'],
];

function checkpoints(): Feature[] {
  return CHECKPOINTS.map(([at, name, en], i) => {
    const code = `CP-${String(i + 1).padStart(2, '0')}`;
    // id = tag code: the handheld reports what the tag says, and that is also the id.
    return point({ 'se:kind': 'checkpoint', 'se:id': code, 'se:code': code, name, 'name:en': en }, at);
  });
}

// ---- devices -----------------------------------------------------------------------------------

interface Camera {
  at: XY;
  heading: number;
  fov: number;
  name: string;
  en: string;
}

/** Perimeter cameras: evenly along the fence (3 m inside it), each looking along it clockwise. */
function perimeterCameras(count: number): Camera[] {
  const inset: XY[] = [[-147, 122], [131.8, 122], [147, 106.8], [147, -122], [-147, -122]];
  const legs = inset.map((a, i) => {
    const b = inset[(i + 1) % inset.length];
    return { a, b, length: Math.hypot(b[0] - a[0], b[1] - a[1]) };
  });
  const total = legs.reduce((s, l) => s + l.length, 0);
  const cams: Camera[] = [];
  for (let k = 0; k < count; k++) {
    let d = (k * total) / count;
    const leg = legs.find((l) => (d < l.length ? true : ((d -= l.length), false)))!;
    const t = d / leg.length;
    const at: XY = [round1(leg.a[0] + (leg.b[0] - leg.a[0]) * t), round1(leg.a[1] + (leg.b[1] - leg.a[1]) * t)];
    const h = (Math.atan2(leg.b[0] - leg.a[0], leg.b[1] - leg.a[1]) * 180) / Math.PI;
    const n = String(k + 1).padStart(2, '0');
    cams.push({ at, heading: round1((h + 360) % 360), fov: 60, name: `周界 ${n}`, en: `Perimeter ${n}` });
  }
  return cams;
}

function cameras(): Camera[] {
  const cam = (at: XY, h: number, fov: number, name: string, en: string): Camera => ({ at, heading: h, fov, name, en });
  const lobbies: Array<[number, number]> = [[3, 0], [4, 1], [5, 2], [6, 3], [7, 4], [8, 5], [9, 0], [12, 5]]; // [building no, slot]
  const towerRowY: Record<number, number> = { 3: 42, 4: 42, 5: 42, 6: 42, 7: 42, 8: 42, 9: 8, 12: 8 };
  return [
    ...perimeterCameras(16),
    cam([-9, 116], 0, 80, '北门 外向', 'North Gate, outward'),
    cam([10, 123], 180, 80, '北门 内向', 'North Gate, inward'),
    cam([146, -44], 90, 80, '东门 外向', 'East Gate, outward'),
    cam([146, -28], 270, 80, '东门 内向', 'East Gate, inward'),
    cam([-6, -121], 180, 80, '南门 外向', 'South Gate, outward'),
    cam([6, -121], 0, 80, '南门 内向', 'South Gate, inward'),
    // entrances are on the south (sunny) side of the slabs; the camera looks north at the door
    ...lobbies.map(([no, slot]) => {
      const [x0, x1] = SLOTS[slot];
      return cam([(x0 + x1) / 2, towerRowY[no] - 4], 0, 90, `${no}号楼 大堂入口`, `Building ${no} lobby entrance`);
    }),
    cam([134, -33], 270, 70, '地库入口 坡道上', 'Car park ramp, top'),
    cam([104, -33], 90, 70, '地库入口 坡道下', 'Car park ramp, bottom'),
    cam([-38, -24], 45, 100, '中心花园 西南', 'Central garden, south-west'),
    cam([38, 20], 225, 100, '中心花园 东北', 'Central garden, north-east'),
    cam([132, 100], 225, 60, '配电房', 'Power room door'),
    cam([56, 104], 150, 70, '幼儿园北门', 'Kindergarten north door'),
    cam([-6, 94], 250, 70, '会所 东入口', 'Clubhouse east entrance'),
    // falling-object (高空抛物) cameras stand off the tallest slabs and look up their south faces
    cam([-107, 30], 0, 50, '高空抛物 3号楼', 'Falling objects, Building 3'),
    cam([107, 30], 0, 50, '高空抛物 8号楼', 'Falling objects, Building 8'),
    cam([-137, 60], 180, 60, '消防通道 西侧', 'Fire lane, west'),
  ];
}

function devices(): Feature[] {
  const out: Feature[] = [];
  cameras().forEach((c, i) => {
    const id = `garden-cam-${String(i + 1).padStart(2, '0')}`;
    out.push(point({ 'se:kind': 'device', 'se:device': 'camera', 'se:id': id, name: c.name, 'name:en': c.en, 'se:heading': heading(c.heading), 'se:fov': c.fov }, c.at));
  });
  // plate cameras (车牌识别) at the barrier gates (道闸), reading both lanes
  out.push(
    point({ 'se:kind': 'device', 'se:device': 'gate', 'se:id': 'garden-lpr-north', name: '北门道闸 车牌识别', 'name:en': 'North gate plate camera', 'se:heading': heading(0), 'se:fov': 40 }, [4, 118]),
    point({ 'se:kind': 'device', 'se:device': 'gate', 'se:id': 'garden-lpr-east', name: '东门道闸 车牌识别', 'name:en': 'East gate plate camera', 'se:heading': heading(90), 'se:fov': 40 }, [143, -33]),
  );
  const guards: Array<[string, string]> = [['张伟', 'Zhang Wei'], ['李强', 'Li Qiang'], ['王磊', 'Wang Lei'], ['刘洋', 'Liu Yang']];
  guards.forEach(([zh, en], i) => {
    const n = i + 1;
    out.push(point(
      { 'se:kind': 'device', 'se:device': 'patrol', 'se:id': `garden-guard-${n}`, 'se:guard': `G0${n}`, name: `巡更机 ${n}（${zh}）`, 'name:en': `Patrol handheld ${n} (${en})` },
      [11 + i, 114],
    ));
  });
  return out;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export function gardenEstate(): EstateFeatureCollection {
  return {
    type: 'FeatureCollection',
    name: '花园小区 Garden Estate',
    'se:estate': GARDEN_ESTATE,
    features: [...buildings(), ...zones(), ...gates(), ...checkpoints(), ...devices()],
  };
}

/** One feature per line: readable diffs without a 10 000-line file. */
export function formatEstateFile(fc: EstateFeatureCollection): string {
  const { features, ...head } = fc;
  const top = JSON.stringify(head);
  return `${top.slice(0, -1)},\n"features": [\n${features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`;
}
