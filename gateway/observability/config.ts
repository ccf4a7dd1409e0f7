/**
 * The operator's side of the gateway (README "Operating it"): where /metrics is served and to
 * whom, how readiness checks are bounded, and where traces go.
 *
 * /metrics is not on the port department apps call. It has a listener of its own,
 * GATEWAY_METRICS_HOST:GATEWAY_METRICS_PORT, loopback by default; bound to any other address it
 * requires a bearer token (GATEWAY_METRICS_TOKEN), so the monitoring segment, not every client
 * of the gateway, reads it.
 */
import { tracingConfigOf, type TracingConfig } from '../../lib/tracing';

export const DEFAULT_METRICS_PORT = 9464;
const DEFAULT_GATEWAY_PORT = 4000;

export interface MetricsListenerConfig {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  readonly token?: string;
}

export interface ObservabilityConfig {
  /** Undefined with GATEWAY_METRICS_PORT=off (no metrics listener). */
  readonly metrics: MetricsListenerConfig | undefined;
  readonly readiness: { readonly timeoutMs: number; readonly cacheMs: number };
  /** Undefined: tracing off (the default). */
  readonly tracing: TracingConfig | undefined;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

export function loadObservabilityConfig(read: (name: string) => string | undefined, problems: string[], gatewayPort: number): ObservabilityConfig {
  const portText = read('GATEWAY_METRICS_PORT');
  const host = read('GATEWAY_METRICS_HOST') ?? '127.0.0.1';
  const token = read('GATEWAY_METRICS_TOKEN');
  let metrics: MetricsListenerConfig | undefined;
  if (portText !== 'off') {
    // 9464 beside the default gateway port (npm start). A gateway on another port (replicas on one
    // host, the benchmark's two gateways, tests) gets a free port unless one is configured: two
    // gateways on one host never fight over 9464. The URL is logged at start.
    let port = gatewayPort === DEFAULT_GATEWAY_PORT ? DEFAULT_METRICS_PORT : 0;
    if (portText !== undefined) {
      port = Number(portText);
      if (!/^\d+$/.test(portText) || port > 65535) problems.push(`GATEWAY_METRICS_PORT must be a port number (0–65535) or 'off', got '${portText}'`);
    }
    if (token !== undefined && token.length < 16) problems.push('GATEWAY_METRICS_TOKEN must be at least 16 characters');
    if (!LOOPBACK.test(host) && token === undefined) {
      problems.push(`GATEWAY_METRICS_HOST=${host} is not a loopback address: set GATEWAY_METRICS_TOKEN so that only the monitoring system reads /metrics`);
    }
    metrics = { host, port, ...(token !== undefined ? { token } : {}) };
  }
  return {
    metrics,
    readiness: {
      timeoutMs: milliseconds(read, 'GATEWAY_READINESS_TIMEOUT_MS', 2000, problems),
      cacheMs: milliseconds(read, 'GATEWAY_READINESS_CACHE_MS', 2000, problems),
    },
    tracing: tracingConfigOf(read, 'ward-gateway', problems),
  };
}

function milliseconds(read: (name: string) => string | undefined, name: string, fallback: number, problems: string[]): number {
  const text = read(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 100 || value > 60_000) {
    problems.push(`${name} must be a whole number of milliseconds from 100 to 60000, got '${text}'`);
    return fallback;
  }
  return value;
}
