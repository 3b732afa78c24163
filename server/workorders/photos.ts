// Photos of a problem: the type is what the bytes say (magic numbers), never what the client
// claims; the file is stored once by its SHA-256 under the data dir, fsynced before the request is
// acknowledged, and served only with the detected type and `nosniff`. No image library is installed
// here to re-encode (sharp would be the one); checking type and size is the promise we keep.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'express';
import { WORKORDER_LIMITS, type PhotoRef } from '../../protocol/index.ts';

export type PhotoMime = PhotoRef['mime'];

/** The image type of these bytes, or null when they are no JPEG, PNG or WebP. */
export function sniffImage(b: Buffer): PhotoMime | null {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

const EXT: Record<PhotoMime, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
const HASH = /^[0-9a-f]{64}$/;

export class PhotoError extends Error {
  constructor(public readonly status: number, public readonly reason: string, message: string) {
    super(message);
  }
}

/** Checks one upload: size and detected type. */
export function checkPhoto(data: Buffer, name = 'photo'): PhotoMime {
  if (data.length > WORKORDER_LIMITS.photoBytes) throw new PhotoError(413, 'photo_too_large', `${name}: ${data.length} bytes, at most ${WORKORDER_LIMITS.photoBytes} (5 MB)`);
  if (data.length === 0) throw new PhotoError(400, 'photo_empty', `${name}: empty file`);
  const mime = sniffImage(data);
  if (!mime) throw new PhotoError(415, 'photo_type', `${name}: not a JPEG, PNG or WebP image (checked by its content, not its name or declared type)`);
  return mime;
}

export class PhotoStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(hash: string, mime: PhotoMime): string {
    return join(this.dir, hash.slice(0, 2), `${hash}.${EXT[mime]}`);
  }

  /** Stores the bytes (once per content) durably; returns the reference. */
  put(data: Buffer, mime: PhotoMime, by: string, at: number): PhotoRef {
    const hash = createHash('sha256').update(data).digest('hex');
    const file = this.path(hash, mime);
    if (!existsSync(file)) {
      mkdirSync(join(this.dir, hash.slice(0, 2)), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
      const dirFd = openSync(join(this.dir, hash.slice(0, 2)), 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    }
    return { hash, mime, bytes: data.length, at, by };
  }

  read(ref: Pick<PhotoRef, 'hash' | 'mime'>): Buffer | null {
    if (!HASH.test(ref.hash)) return null;
    const file = this.path(ref.hash, ref.mime);
    return existsSync(file) ? readFileSync(file) : null;
  }

  /** Sends a photo with the type we detected, never sniffed by the browser. */
  send(res: Response, ref: Pick<PhotoRef, 'hash' | 'mime'>): boolean {
    const data = this.read(ref);
    if (!data) return false;
    res.set({ 'Content-Type': ref.mime, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, max-age=86400', 'Content-Security-Policy': "default-src 'none'; sandbox" });
    res.send(data);
    return true;
  }
}
