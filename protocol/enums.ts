// The enumerations of device contract v1, shared by the zod schemas and the fast path.
export const CHECKIN_METHODS = ['nfc', 'qr', 'gps', 'manual'] as const;
export const CAMERA_TYPES = [
  'intrusion', 'person', 'vehicle', 'loitering', 'fire', 'smoke', 'falling_object', 'fire_lane_blocked', 'tamper', 'motion',
] as const;
export const CAMERA_PHASES = ['start', 'update', 'end'] as const;
export const VEHICLE_DIRECTIONS = ['in', 'out'] as const;
