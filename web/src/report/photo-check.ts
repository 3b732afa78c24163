// The resident's photos, checked on the phone before anything is sent: JPEG, PNG or WebP by their
// first bytes (a renamed file is caught here, not after a long upload on a weak link), at most 5 MB
// each, at most 3. The server checks again; this only saves the resident a wasted upload and says
// exactly what is wrong. Pure apart from reading the file's first bytes.

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const MAX_PHOTOS = 3;

/** The image type by its magic bytes (what the server trusts too), or null. */
export function sniffImageType(head: Uint8Array): PhotoType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => head[i] === b)) return 'image/png';
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return null;
}

export type PhotoProblem =
  | { kind: 'type'; name: string }
  | { kind: 'size'; name: string; bytes: number }
  | { kind: 'count'; max: number };

export type PhotoCheck = { ok: true; type: PhotoType } | { ok: false; problem: PhotoProblem };

/** Checks one file (its size, then its first 12 bytes). */
export async function checkPhoto(file: Blob & { name?: string }): Promise<PhotoCheck> {
  const name = file.name ?? '';
  const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  const type = sniffImageType(head);
  if (!type) return { ok: false, problem: { kind: 'type', name } };
  if (file.size > MAX_PHOTO_BYTES) return { ok: false, problem: { kind: 'size', name, bytes: file.size } };
  return { ok: true, type };
}

/** "4.8 MB", "820 KB": sizes as a resident reads them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
