import { PURPOSES } from '../auth/personas';

export const IDE_ASSET_PREFIX = '/ide';

export interface IdePageOptions {
  /** Where the IDE sends operations (same origin). */
  readonly endpoint: string;
  readonly defaultQuery: string;
}

/**
 * The IDE page, Japanese first with English beside it (its readers are the ward's staff). Every script and stylesheet is served by the gateway itself from node_modules:
 * the ward's terminals reach no CDN, and a page that pulls code from elsewhere could read the
 * pasted token.
 */
export function renderIdePage(options: IdePageOptions): string {
  const config = jsonForScript({ endpoint: options.endpoint, defaultQuery: options.defaultQuery });
  const purposes = PURPOSES.map(
    (purpose) => `<option value="${escapeHtml(purpose.id)}">${escapeHtml(`${purpose.nameJa} / ${purpose.nameEn}`)}</option>`,
  ).join('');
  const asset = (name: string): string => `${IDE_ASSET_PREFIX}/${name}`;
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>住民記録ゲートウェイ GraphQL IDE / Ward resident gateway · GraphQL IDE</title>
<link rel="stylesheet" href="${asset('graphiql.min.css')}">
<link rel="stylesheet" href="${asset('ide.css')}">
</head>
<body>
<header class="ide-bar">
<form id="auth-form" autocomplete="off">
<label>トークン / Token <input id="token" type="password" spellcheck="false" placeholder="npm run token -- registry-clerk の出力を貼り付け / paste its output"></label>
<label>利用目的（事務） / Purpose (X-Purpose) <input id="purpose" list="purposes" spellcheck="false" placeholder="省略時はトークンの目的 / the token's purpose"></label>
<datalist id="purposes">${purposes}</datalist>
<button type="submit">トークンを使う / Use token</button>
<button type="button" id="forget">トークンを消去 / Forget token</button>
<span id="identity-status" class="status" role="status"></span>
</form>
</header>
<main id="graphiql">IDE を読み込んでいます… / Loading the IDE…</main>
<script type="application/json" id="ide-config">${config}</script>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('graphiql.min.js')}"></script>
<script src="${asset('ide-time.js')}"></script>
<script src="${asset('ide-client.js')}"></script>
</body>
</html>
`;
}

/** Only the gateway's own origin: no CDN, no inline script, no framing. */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // GraphiQL and its editor set style attributes at runtime.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** JSON that cannot close its <script> element early. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
