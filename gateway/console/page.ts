export const CONSOLE_PATH = '/console';

/**
 * The console's page: an empty shell the bundle fills. Japanese first (lang="ja"); every
 * script and stylesheet comes from the gateway itself (the ward's network reaches no CDN, and a
 * page that loads code from elsewhere could read the token).
 */
export function renderConsolePage(options: { readonly devSignIn: boolean }): string {
  const config = JSON.stringify({ graphqlPath: '/graphql', devSignIn: options.devSignIn }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>情報セキュリティ担当コンソール</title>
<link rel="stylesheet" href="${CONSOLE_PATH}/console.css">
</head>
<body>
<div id="root"><p>読み込み中…</p></div>
<noscript>この画面は JavaScript を使います。</noscript>
<script type="application/json" id="console-config">${config}</script>
<script src="${CONSOLE_PATH}/console.js"></script>
</body>
</html>
`;
}

/** Only the gateway's own origin: no CDN, no inline script, no framing. ECharts draws on canvas. */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
