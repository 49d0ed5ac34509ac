import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';

/**
 * The policy's automatic events (auth failures, 5xx, failed and slow queries, dead letters …)
 * are derived from spans at their end; a span the sampler drops is never recorded and never
 * ends in a processor. With OTEL_TRACES_SAMPLER=traceidratio at 0.1, nine in ten of those
 * events were lost, and with them the SIEM feed and the alerts.
 *
 * So the sampler decides what is *exported*, not what is *seen*: every span the configured
 * sampler would drop is recorded anyway (RECORD, without the sampled flag). The policy's
 * processor sees every span; the exporting processors (BatchSpanProcessor, SimpleSpanProcessor)
 * export only sampled ones, exactly as before; the trace flags sent downstream are the
 * sampler's. The price is that dropped spans are built in memory (attributes, timing) and
 * released at their end. Measured with bench/micro/record-unsampled.mjs (Node 24, a sampler that
 * drops everything, a span with three attributes through a policy-like processor and a
 * BatchSpanProcessor; medians of 5 alternating rounds on a VM at load ~20, so read the absolute
 * figures as upper bounds): 2.2 µs CPU per dropped span not recorded, 3.2 µs recorded (+40 %),
 * and the policy saw 10 000 of 10 000 auth failures instead of none. A service that samples
 * heavily to save CPU keeps most of the saving on export (no serialisation, no network); the
 * alternative — a second, sampling-blind pipeline of the policy's own — would cost the same
 * recording and duplicate the instrumentations' span logic.
 */
export class RecordEverythingSampler implements Sampler {
  constructor(private readonly inner: Sampler) {}

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const result = this.inner.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    return result.decision === SamplingDecision.NOT_RECORD ? { ...result, decision: SamplingDecision.RECORD } : result;
  }

  toString(): string {
    return `RecordEverything{${this.inner.toString()}}`;
  }
}

