/**
 * Vendor telemetry off, before anything of @apollo/gateway runs. Import this first in every
 * entry point (gateway/main.ts, gateway/server.ts; test/support/jest-setup.ts for the tests).
 *
 * @apollo/gateway reads `APOLLO_TELEMETRY_DISABLED` in the `ApolloGateway` constructor (dist/
 * index.js): unless it is `true` or `1` it calls `createDataCollectionExporter()`, which runs
 * the OpenTelemetry cloud resource detectors (HTTP to 169.254.169.254 and 100.100.100.200, DNS
 * for metadata.google.internal, …) and exports usage metrics to
 * usage-reporting.api.apollographql.com every hour. A ward's resident-data network reaches no
 * internet and the product must not try (issue 10), so the value is forced, not defaulted: an
 * operator's `APOLLO_TELEMETRY_DISABLED=false` does not turn it back on.
 */
export function disableVendorTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  env.APOLLO_TELEMETRY_DISABLED = 'true';
}

disableVendorTelemetry();
