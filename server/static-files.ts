/** Serves a folder over HTTP GET/HEAD (the built demo): index.html for directories, no traversal. */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean>;

/** Returns a handler that answers and resolves true if it served a file, false if not found. */
export function createStaticHandler(dir: string): StaticHandler {
  const root = path.resolve(dir);
  // The folder's real path does not change while serving: resolve it once.
  let realRoot: Promise<string> | null = null;

  const resolveFile = async (pathname: string): Promise<{ file: string; size: number } | null> => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return null;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null;
    // Normalise as a URL path first, so '..' can never climb above '/'.
    const relative = path.posix.normalize(`/${decoded}`).slice(1);
    let file = path.resolve(root, relative);
    let base: string;
    try {
      base = await (realRoot ??= realpath(root));
    } catch {
      realRoot = null; // the folder may appear later (e.g. the demo built after start)
      return null;
    }
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = path.join(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) return null;
      // Symlinks must not lead out of the folder either.
      const real = await realpath(file);
      if (real !== base && !real.startsWith(base + path.sep)) return null;
      return { file: real, size: info.size };
    } catch {
      return null;
    }
  };

  return async (req, res, pathname) => {
    const found = await resolveFile(pathname);
    if (!found) return false;
    const { file, size } = found;
    res.writeHead(200, {
      'content-type': contentTypeOf(file),
      'content-length': size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  };
}
