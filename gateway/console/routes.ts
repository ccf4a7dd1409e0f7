import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import express, { type Request, type Response, type Router } from 'express';
import type { AuthConfig } from '../config';
import { loadOrCreateDevKeys } from '../../lib/dev-keys';
import { mintDevToken } from '../auth/dev-token';
import { PERSONAS, findPersona } from '../auth/personas';
import type { Logger } from '../../lib/logger';
import { buildConsoleBundle, type ConsoleBundle } from './bundle';
import { CONSOLE_CONTENT_SECURITY_POLICY, CONSOLE_PATH, renderConsolePage } from './page';

interface Asset {
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
  readonly contentType: string;
}

function asset(body: Buffer, contentType: string): Asset {
  return { body, gzipped: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, contentType };
}

/** Dev tokens from the picker live one hour (npm run token's default is 8 h). */
const DEV_SIGN_IN_LIFETIME = '1h';

export interface ConsoleRoutesOptions {
  readonly auth: AuthConfig;
  readonly logger: Logger;
  /** Builds the bundle (tests may pass a prebuilt one); default: esbuild, once, on first use. */
  readonly bundle?: () => Promise<ConsoleBundle>;
}

/**
 * The security officers' console (監査・ルール管理画面) at /console/: a page, its bundle and, in
 * dev mode only, a persona picker. The console holds no data and no authority of its own: it
 * calls /graphql with the officer's bearer token, so the API's rules decide what it shows
 * (only `security-officer` with MFA passes `audit_trail`).
 */
export function consoleRoutes(options: ConsoleRoutesOptions): Router {
  const devSignIn = options.auth.mode === 'dev';
  const page = renderConsolePage({ devSignIn });
  let assets: Promise<Record<string, Asset>> | undefined;
  const load = (): Promise<Record<string, Asset>> => {
    assets ??= (options.bundle ?? buildConsoleBundle)().then(
      (bundle) => ({
        'console.js': asset(bundle.js, 'text/javascript; charset=utf-8'),
        'console.css': asset(bundle.css, 'text/css; charset=utf-8'),
      }),
      (error: unknown) => {
        assets = undefined; // the next request tries again
        throw error;
      },
    );
    return assets;
  };

  // strict: /console and /console/ are different paths (the first redirects to the second).
  const router = express.Router({ strict: true });
  router.get(CONSOLE_PATH, (_req, res) => res.redirect(302, `${CONSOLE_PATH}/`));
  router.get(`${CONSOLE_PATH}/`, (_req: Request, res: Response) => {
    res.set({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': CONSOLE_CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(page);
    void load().catch(() => undefined); // start bundling while the browser parses the page
  });
  router.get(`${CONSOLE_PATH}/:name`, async (req: Request, res: Response) => {
    const name = String(req.params['name']);
    if (name !== 'console.js' && name !== 'console.css') {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    let found: Asset;
    try {
      found = (await load())[name];
    } catch (error) {
      options.logger.error({ err: error }, 'the console bundle could not be built');
      res.status(503).type('text/plain').send('The console could not be built; see the gateway log.');
      return;
    }
    res.set({ 'Content-Type': found.contentType, ETag: found.etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', Vary: 'Accept-Encoding' });
    if (req.headers['if-none-match'] === found.etag) {
      res.status(304).end();
      return;
    }
    if (req.acceptsEncodings('gzip') === 'gzip') res.set('Content-Encoding', 'gzip').send(found.gzipped);
    else res.send(found.body);
  });

  if (options.auth.mode === 'dev') {
    // Dev only (AUTH_MODE=dev, which gateway/config.ts refuses under NODE_ENV=production): the
    // same token `npm run token -- <persona>` prints, for the persona picker of the sign-in page.
    const devKeysPath = options.auth.devKeysPath;
    router.post(`${CONSOLE_PATH}/dev-sign-in`, express.json({ limit: '1kb' }), async (req: Request, res: Response) => {
      const personaId = typeof req.body?.persona === 'string' ? req.body.persona : '';
      const persona = findPersona(personaId);
      if (!persona) {
        res.status(400).json({ errors: [{ message: 'Unknown persona', extensions: { code: 'UNKNOWN_PERSONA', personas: PERSONAS.map((p) => p.id) } }] });
        return;
      }
      const minted = await mintDevToken({ persona, keys: await loadOrCreateDevKeys(devKeysPath), expiresIn: DEV_SIGN_IN_LIFETIME });
      res.set('Cache-Control', 'no-store').json({ token: minted.token, expiresAt: minted.expiresAt.toISOString() });
    });
  }
  return router;
}
