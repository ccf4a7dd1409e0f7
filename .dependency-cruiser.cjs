// The layers of this repository, checked by dependency-cruiser (`npm run check:deps`,
// test/structure/dependencies.test.ts). Arrows run one way:
//
//   scripts → gateway, subgraphs, generator → lib
//
// Tests sit above everything and may import any layer, but they take part in the
// circularity check like any other module.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: the modules on it cannot be understood, loaded or moved one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-is-the-floor',
      severity: 'error',
      comment: 'lib/ is shared by every side; it imports nothing above it.',
      from: { path: '^lib/' },
      to: { path: '^(generator|subgraphs|gateway|scripts|test)/' },
    },
    {
      name: 'generator-below-subgraphs',
      severity: 'error',
      comment: 'The synthetic-data generator knows the model, not the legacy layouts, the gateway or the scripts.',
      from: { path: '^generator/' },
      to: { path: '^(subgraphs|gateway|scripts|test)/' },
    },
    {
      name: 'subgraphs-beside-gateway',
      severity: 'error',
      comment: 'A subgraph does not know the gateway, the generator or the scripts; what both need lives in lib/.',
      from: { path: '^subgraphs/' },
      to: { path: '^(gateway|generator|scripts|test)/' },
    },
    {
      name: 'gateway-beside-subgraphs',
      severity: 'error',
      comment: 'The gateway does not know the subgraphs, the generator or the scripts; what both need lives in lib/.',
      from: { path: '^gateway/' },
      to: { path: '^(subgraphs|generator|scripts|test)/' },
    },
    {
      name: 'scripts-below-tests',
      // A warning, not an error: scripts/bench-audit.ts still borrows the test federation
      // harness (test/support/federation.ts) to stand the servers up.
      severity: 'warn',
      comment: 'Scripts are the top of the product; they do not import test support.',
      from: { path: '^scripts/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|generated/.*\\.d\\.ts$)' },
    // Type-only imports are arrows too: they tie the modules together just the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json', '.d.ts'],
      // Type-only packages (@apollo/utils.fetcher) have no main, only types.
      mainFields: ['main', 'types', 'typings'],
    },
  },
};
