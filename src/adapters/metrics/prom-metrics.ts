import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChatMetrics, MetricsExposition } from '../../application/ports.js';
import { processMetrics } from './process-metrics.js';

/** What the connection gauges read when scraped (the chat gateway). */
export interface ConnectionCounts {
  readonly connectionCount: number;
  readonly authorizedCount: number;
}

/** What the 'metrics' log line reports besides the event loop. */
export interface MetricsSnapshot {
  connections: number;
  authorizedConnections: number;
  /** Since the process started; the log line reports the difference. */
  messagesStored: number;
}

/**
 * The server's metrics in Prometheus's text format, in a registry of its own
 * (never prom-client's global one, so that two servers in one process, as in
 * the tests, do not mix). Counting is a few additions per call: the calls sit
 * on the message path.
 */
export class PromMetrics implements ChatMetrics, MetricsExposition {
  private readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private connections: ConnectionCounts = { connectionCount: 0, authorizedCount: 0 };
  private storedTotal = 0;

  private readonly messagesStored = new Counter({
    name: 'chat_messages_stored_total',
    help: 'Chat messages committed to the database.',
    registers: [this.registry],
  });
  private readonly messagesDelivered = new Counter({
    name: 'chat_messages_delivered_total',
    help: 'Chat message frames written to connections (one per message per receiver).',
    registers: [this.registry],
  });
  private readonly storageSeconds = new Histogram({
    name: 'chat_storage_batch_seconds',
    help: 'Time from a batch INSERT to its commit.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: 'chat_storage_batch_size',
    help: 'Messages stored by one INSERT.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });
  private readonly fanoutSeconds = new Histogram({
    name: 'chat_fanout_seconds',
    help: "Time from a message's post to its frames being written to its room (storage included), per message.",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly errorsSent = new Counter({
    name: 'chat_errors_sent_total',
    help: 'Error replies sent, by edge (http, ws) and error code.',
    labelNames: ['edge', 'code'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'chat_rate_limit_refusals_total',
    help: 'Requests and frames refused by a rate limit, by limit.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  constructor() {
    const connections = () => this.connections;
    new Gauge({
      name: 'chat_connections_open',
      help: 'Open WebSocket connections.',
      registers: [this.registry],
      collect() {
        this.set(connections().connectionCount);
      },
    });
    new Gauge({
      name: 'chat_connections_authorized',
      help: 'Open WebSocket connections with a valid token.',
      registers: [this.registry],
      collect() {
        this.set(connections().authorizedCount);
      },
    });
  }

  /** The gateway is built after the metrics it reports to; it is handed over once it exists. */
  countConnections(source: ConnectionCounts): void {
    this.connections = source;
  }

  stored(batchSize: number, seconds: number): void {
    this.storedTotal += batchSize;
    this.messagesStored.inc(batchSize);
    this.batchSize.observe(batchSize);
    this.storageSeconds.observe(seconds);
  }

  delivered(frames: number, receivers: number): void {
    if (frames > 0 && receivers > 0) this.messagesDelivered.inc(frames * receivers);
  }

  fannedOut(seconds: number): void {
    this.fanoutSeconds.observe(seconds);
  }

  errorSent(code: string): void {
    this.errorsSent.inc({ edge: 'ws', code });
  }

  httpErrorSent(code: string): void {
    this.errorsSent.inc({ edge: 'http', code });
  }

  refused(limit: string): void {
    this.refusals.inc({ limit });
  }

  snapshot(): MetricsSnapshot {
    return {
      connections: this.connections.connectionCount,
      authorizedConnections: this.connections.authorizedCount,
      messagesStored: this.storedTotal,
    };
  }

  async render(): Promise<string> {
    const [process, chat] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    // Each ends with a newline.
    return process + chat;
  }
}
