// The little of pngjs (already in the lock file, as a dependency of a dependency) the browser tests use
// to read screenshots' pixels.
declare module 'pngjs' {
  export class PNG {
    width: number;
    height: number;
    data: Buffer;
    static sync: { read(buffer: Buffer): PNG };
  }
}
