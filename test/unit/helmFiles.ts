// SourceFiles over the real file system, for the Helm tests (the engine itself never opens a file).
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import type { SourceFiles } from '../../server/src/sources/origin';

export const diskFiles: SourceFiles = {
  read(path: string): string | undefined {
    try {
      return fs.readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(path: string): readonly string[] | undefined {
    try {
      return fs.readdirSync(path);
    } catch {
      return undefined;
    }
  },
  readBytes(path: string): Uint8Array | undefined {
    try {
      return fs.readFileSync(path);
    } catch {
      return undefined;
    }
  },
  gunzip(bytes: Uint8Array): Uint8Array {
    return zlib.gunzipSync(bytes);
  },
};
