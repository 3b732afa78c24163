// A phone photo over the 5 MB limit is shrunk on the phone (longest side 2048 px, JPEG) rather than
// refused: most phones take 4–12 MB pictures and a resident should not have to know that. Anything
// that is not a readable JPEG/PNG/WebP is refused before this (photo-check.ts).
import { MAX_PHOTO_BYTES } from './photo-check.ts';

const MAX_SIDE = 2048;

export async function shrinkPhoto(file: Blob): Promise<Blob | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  try {
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const g = canvas.getContext('2d');
    if (!g) return null;
    g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    for (const quality of [0.85, 0.7, 0.55]) {
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
      if (blob && blob.size <= MAX_PHOTO_BYTES) return blob;
    }
    return null;
  } finally {
    bitmap.close();
  }
}
