// multipart/form-data with hard limits (busboy): a few text fields, up to 3 photos of ≤ 5 MB. The
// whole body is read before answering (an early answer to a client still uploading resets its
// connection and it sees no reason); each problem is reported as a PhotoError/HttpError.
import busboy from 'busboy';
import type { Request } from 'express';
import { WORKORDER_LIMITS } from '../../protocol/index.ts';
import { HttpError } from '../api/errors.ts';
import { PhotoError, checkPhoto, type PhotoMime } from './photos.ts';

export interface Upload {
  data: Buffer;
  mime: PhotoMime;
  filename: string;
}

export interface Multipart {
  fields: Record<string, string>;
  photos: Upload[];
}

/** Text fields longer than this are cut by busboy and refused (descriptions allow 2,000 chars). */
const FIELD_BYTES = 32 * 1024;

export function isMultipart(req: Request): boolean {
  return /^multipart\/form-data/i.test(req.get('content-type') ?? '');
}

export function readMultipart(req: Request, maxPhotos: number = WORKORDER_LIMITS.photosPerRequest): Promise<Multipart> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: WORKORDER_LIMITS.photoBytes, files: maxPhotos, fields: 20, fieldSize: FIELD_BYTES, parts: 30 } });
    } catch (err) {
      return reject(new HttpError(400, `malformed multipart body: ${(err as Error).message}`, { reason: 'malformed_multipart' }));
    }
    const fields: Record<string, string> = {};
    const photos: Upload[] = [];
    let problem: Error | null = null;
    const fail = (e: Error) => {
      problem ??= e;
    };
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new HttpError(400, `${name}: too long (at most ${WORKORDER_LIMITS.descriptionChars} characters for a description)`, { reason: 'too_long' }));
      else fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => {
        if (!problem) chunks.push(c);
      });
      stream.on('end', () => {
        if (problem) return;
        if (name !== 'photos' && name !== 'photo') return fail(new HttpError(400, `unexpected file field '${name}': send photos as 'photos'`, { reason: 'bad_field' }));
        if ((stream as { truncated?: boolean }).truncated) {
          return fail(new PhotoError(413, 'photo_too_large', `${info.filename || 'photo'}: larger than ${WORKORDER_LIMITS.photoBytes} bytes (5 MB)`));
        }
        const data = Buffer.concat(chunks);
        try {
          photos.push({ data, mime: checkPhoto(data, info.filename || 'photo'), filename: info.filename ?? '' });
        } catch (err) {
          fail(err as Error);
        }
      });
    });
    bb.on('filesLimit', () => fail(new HttpError(400, `at most ${maxPhotos} photos per request`, { reason: 'too_many_photos' })));
    bb.on('fieldsLimit', () => fail(new HttpError(400, 'too many form fields', { reason: 'too_many_fields' })));
    bb.on('partsLimit', () => fail(new HttpError(400, 'too many parts in the form', { reason: 'too_many_fields' })));
    bb.on('error', (err: Error) => reject(new HttpError(400, `malformed multipart body: ${err.message}`, { reason: 'malformed_multipart' })));
    bb.on('close', () => (problem ? reject(problem) : resolve({ fields, photos })));
    req.pipe(bb);
  });
}

/** A PhotoError as the API's `{error, reason}`. */
export function asHttp(err: unknown): unknown {
  if (err instanceof PhotoError) return new HttpError(err.status, err.message, { reason: err.reason });
  return err;
}
