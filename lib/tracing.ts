/**
 * Tracing with OpenTelemetry: OFF unless a collector is configured (TRACING_OTLP_ENDPOINT), and
 * then exporting ONLY there (OTLP/HTTP, JSON). Nothing else is installed: no auto-instrumentation
 * (which patches modules and may call out), no resource detectors (which probe cloud metadata
 * addresses), only the W3C `traceparent` propagator (no baggage: nothing a caller put in a header
 * rides along). The code that makes spans uses @opentelemetry/api only; without this SDK its spans
 * are no-ops that cost next to nothing.
 *
 * One SDK per process, shared by what runs in it (a test runs the gateway and the subgraphs in
 * one process): `acquireTracing` registers it on first use and `release` shuts it down (flushing
 * what is buffered) when the last user lets go.
 */
import { context, propagation, trace } from '@opentelemetry/api';

export interface TracingConfig {
  /** Collector base URL (as OTEL_EXPORTER_OTLP_ENDPOINT): spans go to `<endpoint>/v1/traces`. */
  readonly endpoint: string;
  /** Share of new traces kept, 0 … 1 (TRACING_SAMPLE_RATIO, default 1); a subgraph follows the gateway's decision. */
  readonly sampleRatio: number;
  /** `service.name` of the spans of this process. */
  readonly serviceName: string;
}

export interface TracingHandle {
  /** Exports every span ended so far (tests; shutdown does it too). */
  flush(): Promise<void>;
  /** Lets go; the last release shuts the SDK down after a flush. */
  release(): Promise<void>;
}

/**
 * TRACING_OTLP_ENDPOINT (an http(s) URL; unset = tracing off) and TRACING_SAMPLE_RATIO (0 … 1).
 * Problems are pushed to `problems` (the gateway's one configuration message); undefined when off.
 */
export function tracingConfigOf(read: (name: string) => string | undefined, serviceName: string, problems: string[]): TracingConfig | undefined {
  const endpoint = read('TRACING_OTLP_ENDPOINT');
  const ratioText = read('TRACING_SAMPLE_RATIO');
  let sampleRatio = 1;
  if (ratioText !== undefined) {
    sampleRatio = Number(ratioText);
    if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(ratioText)) problems.push(`TRACING_SAMPLE_RATIO must be a number from 0 to 1, got '${ratioText}'`);
  }
  if (endpoint === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push(`TRACING_OTLP_ENDPOINT must be an http(s) URL of an OTLP/HTTP collector, got '${endpoint}'`);
    return undefined;
  }
  return { endpoint: endpoint.replace(/\/+$/, ''), sampleRatio, serviceName };
}

/** The collector URL spans are sent to. */
export function tracesUrlOf(config: Pick<TracingConfig, 'endpoint'>): string {
  return `${config.endpoint}/v1/traces`;
}

interface Installed {
  readonly endpoint: string;
  users: number;
  readonly flush: () => Promise<void>;
  readonly shutdown: () => Promise<void>;
}

let installed: Installed | undefined;

/**
 * Installs the SDK for this process (or joins the one installed). A second user asking for
 * another collector is refused: spans of one process go to one place.
 */
export async function acquireTracing(config: TracingConfig): Promise<TracingHandle> {
  if (installed && installed.endpoint !== config.endpoint) {
    throw new Error(`tracing already exports to ${installed.endpoint} in this process; cannot also export to ${config.endpoint}`);
  }
  if (!installed) {
    // Loaded only when tracing is on: a process without it never loads the SDK.
    const [{ NodeTracerProvider }, { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { Resource }, { W3CTraceContextPropagator }] =
      await Promise.all([
        import('@opentelemetry/sdk-trace-node'),
        import('@opentelemetry/sdk-trace-base'),
        import('@opentelemetry/exporter-trace-otlp-http'),
        import('@opentelemetry/resources'),
        import('@opentelemetry/core'),
      ]);
    const provider = new NodeTracerProvider({
      // Attributes given here only: no detector runs (host, process, cloud metadata).
      resource: new Resource({ 'service.name': config.serviceName }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrlOf(config), headers: {} }))],
    });
    provider.register({ propagator: new W3CTraceContextPropagator() });
    installed = {
      endpoint: config.endpoint,
      users: 0,
      flush: () => provider.forceFlush(),
      shutdown: async () => {
        await provider.shutdown();
        trace.disable();
        context.disable();
        propagation.disable();
      },
    };
  }
  const current = installed;
  current.users += 1;
  let released = false;
  return {
    flush: () => current.flush(),
    async release() {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users > 0) return;
      if (installed === current) installed = undefined;
      await current.shutdown();
    },
  };
}
