import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import express, { type Request, type Response, type Router } from 'express';
import { IDE_ASSET_PREFIX, IDE_CONTENT_SECURITY_POLICY, renderIdePage } from './page';

interface AssetSource {
  readonly file: string;
  readonly contentType: string;
}

function packageFile(packageName: string, relative: string): string {
  // Resolve through package.json: react's "exports" hide the umd/ folder from require.resolve.
  return path.join(path.dirname(require.resolve(`${packageName}/package.json`)), relative);
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

const ASSETS: Readonly<Record<string, AssetSource>> = {
  'react.production.min.js': { file: packageFile('react', 'umd/react.production.min.js'), contentType: JS },
  'react-dom.production.min.js': { file: packageFile('react-dom', 'umd/react-dom.production.min.js'), contentType: JS },
  'graphiql.min.js': { file: packageFile('graphiql', 'graphiql.min.js'), contentType: JS },
  'graphiql.min.css': { file: packageFile('graphiql', 'graphiql.min.css'), contentType: CSS },
  'ide-client.js': { file: path.join(__dirname, 'ide-client.js'), contentType: JS },
  'ide-time.js': { file: path.join(__dirname, 'ide-time.js'), contentType: JS },
  'ide.css': { file: path.join(__dirname, 'ide.css'), contentType: CSS },
};

interface LoadedAsset {
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
  readonly contentType: string;
}

export interface IdeRoutesOptions {
  /** GraphQL endpoint path the IDE talks to. */
  readonly endpoint: string;
}

/**
 * The GraphQL IDE: the page at `/` and its assets under `/ide/`. Assets are read and gzipped
 * once, on first request (graphiql's bundle is 3.5 MB uncompressed).
 */
export function ideRoutes(options: IdeRoutesOptions): { router: Router; sendPage: (req: Request, res: Response) => void } {
  const page = renderIdePage({
    endpoint: options.endpoint,
    defaultQuery: fs.readFileSync(path.join(__dirname, 'default-query.graphql'), 'utf8'),
  });
  const cache = new Map<string, LoadedAsset>();

  const sendPage = (_req: Request, res: Response): void => {
    res.set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': IDE_CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(page);
  };

  const router = express.Router();
  router.get('/', sendPage);
  router.get(`${IDE_ASSET_PREFIX}/:name`, (req, res) => {
    const name = String(req.params['name']);
    const source = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!source) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    let asset = cache.get(name);
    if (!asset) {
      const body = fs.readFileSync(source.file);
      asset = {
        body,
        gzipped: gzipSync(body),
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        contentType: source.contentType,
      };
      cache.set(name, asset);
    }
    res.set({ 'Content-Type': asset.contentType, ETag: asset.etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', Vary: 'Accept-Encoding' });
    if (req.headers['if-none-match'] === asset.etag) {
      res.status(304).end();
      return;
    }
    if (req.acceptsEncodings('gzip') === 'gzip') {
      res.set('Content-Encoding', 'gzip').send(asset.gzipped);
    } else {
      res.send(asset.body);
    }
  });
  return { router, sendPage };
}
