/*
 * Browser glue for the gateway's GraphQL IDE. Plain ES5-style script on purpose: it is served
 * as is from the gateway (no build step, no CDN) next to the GraphiQL, React and ReactDOM UMD
 * bundles from node_modules.
 *
 * The token lives in sessionStorage only (gone when the tab closes), and so do GraphiQL's
 * editors and history: queries and variables may name persons, and the IDE runs on shared
 * office terminals.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'ward-gateway:token';
  var PURPOSE_KEY = 'ward-gateway:purpose';
  var config = JSON.parse(document.getElementById('ide-config').textContent);
  var storage = window.sessionStorage;

  var tokenInput = document.getElementById('token');
  var purposeInput = document.getElementById('purpose');
  var status = document.getElementById('identity-status');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  var generation = 0;

  function currentToken() {
    return storage.getItem(TOKEN_KEY) || '';
  }

  function currentPurpose() {
    return storage.getItem(PURPOSE_KEY) || '';
  }

  // Shows who the token claims to be. Decoding is display only: the gateway verifies.
  function describeToken(token) {
    if (!token) return { text: 'トークンがありません: 要求は拒否されます (401) / No token: requests will be refused (401).', error: true };
    try {
      var payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var claims = JSON.parse(decodeURIComponent(escape(window.atob(payload))));
      var expires = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null;
      var expired = expires !== null && expires.getTime() < Date.now();
      return {
        text: (claims.sub || '?') + ' · ' + (claims.department || '?') + ' · 利用目的 / purpose ' +
          (currentPurpose() || claims.purpose || '?') +
          (expires ? (expired ? ' · 期限切れ / EXPIRED ' : ' · 有効期限 / expires ') + window.wardIdeTime.formatJst(expires.getTime()) : ''),
        error: expired
      };
    } catch (e) {
      return { text: 'JWT ではありません / This does not look like a JWT.', error: true };
    }
  }

  function showStatus() {
    var described = describeToken(currentToken());
    status.textContent = described.text;
    status.className = described.error ? 'status error' : 'status';
  }

  // GraphiQL's own keys, kept in the same session-only storage; "clear storage" in its settings
  // clears these and leaves the token alone.
  var graphiqlStorage = {
    getItem: function (key) { return storage.getItem(key); },
    setItem: function (key, value) { storage.setItem(key, value); },
    removeItem: function (key) { storage.removeItem(key); },
    get length() { return graphiqlKeys().length; },
    clear: function () { graphiqlKeys().forEach(function (key) { storage.removeItem(key); }); }
  };

  function graphiqlKeys() {
    var keys = [];
    for (var i = 0; i < storage.length; i += 1) {
      var key = storage.key(i);
      if (key && key.indexOf('graphiql:') === 0) keys.push(key);
    }
    return keys;
  }

  var fetcher = GraphiQL.createFetcher({
    url: config.endpoint,
    fetch: function (input, init) {
      var options = init || {};
      var headers = new Headers(options.headers || {});
      var token = currentToken();
      var purpose = currentPurpose();
      if (token) headers.set('Authorization', 'Bearer ' + token);
      if (purpose) headers.set('X-Purpose', purpose);
      headers.set('apollographql-client-name', 'ward-gateway-ide');
      options.headers = headers;
      return window.fetch(input, options);
    }
  });

  // Re-mounting GraphiQL makes it fetch the schema again with the new token.
  function render() {
    generation += 1;
    root.render(React.createElement(GraphiQL, {
      key: generation,
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      storage: graphiqlStorage,
      shouldPersistHeaders: false
    }));
  }

  document.getElementById('auth-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var token = tokenInput.value.trim().replace(/^Bearer\s+/i, '');
    if (token) storage.setItem(TOKEN_KEY, token);
    var purpose = purposeInput.value.trim();
    if (purpose) storage.setItem(PURPOSE_KEY, purpose); else storage.removeItem(PURPOSE_KEY);
    tokenInput.value = '';
    showStatus();
    render();
  });

  document.getElementById('forget').addEventListener('click', function () {
    storage.removeItem(TOKEN_KEY);
    storage.removeItem(PURPOSE_KEY);
    tokenInput.value = '';
    purposeInput.value = '';
    showStatus();
    render();
  });

  purposeInput.value = currentPurpose();
  showStatus();
  render();
})();
