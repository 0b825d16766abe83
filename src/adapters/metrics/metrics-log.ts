import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from '../../application/ports.js';
import type { MetricsSnapshot } from './prom-metrics.js';

const NS_PER_MS = 1e6;
const RESOLUTION_MS = 10;
const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * One 'metrics' log line every interval (METRICS_INTERVAL), for runs without
 * a Prometheus, such as the benchmark (docs/performance.md): the event-loop
 * delay over the interval, the connections, the messages stored since the last line.
 */
export class MetricsLog {
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly timer: NodeJS.Timeout;
  private storedBefore: number;

  constructor(
    private readonly logger: Logger,
    intervalSeconds: number,
    private readonly snapshot: () => MetricsSnapshot,
  ) {
    this.storedBefore = snapshot().messagesStored;
    this.loopDelay.enable();
    this.timer = setInterval(() => this.report(), intervalSeconds * 1000).unref();
  }

  report(): void {
    const { connections, authorizedConnections, messagesStored } = this.snapshot();
    this.logger.info('metrics', {
      loopDelayP50Ms: this.delayMs(this.loopDelay.percentile(50)),
      loopDelayP99Ms: this.delayMs(this.loopDelay.percentile(99)),
      loopDelayMaxMs: this.delayMs(this.loopDelay.max),
      connections,
      authorizedConnections,
      messagesStored: messagesStored - this.storedBefore,
      heapUsedMiB: round(process.memoryUsage().heapUsed / 2 ** 20),
    });
    this.storedBefore = messagesStored;
    this.loopDelay.reset();
  }

  /**
   * The histogram holds the time between two of its timer's runs, which is
   * at least the resolution: the delay is what exceeds it. No sample at all
   * (the interval was shorter than the resolution) reads as 0.
   */
  private delayMs(nanoseconds: number): number {
    if (this.loopDelay.count === 0) return 0;
    return round(Math.max(0, nanoseconds / NS_PER_MS - RESOLUTION_MS));
  }

  stop(): void {
    clearInterval(this.timer);
    this.loopDelay.disable();
  }
}
