import { expect } from 'chai';
import { CountingThrottle } from '../../src/adapters/metrics/counting-throttle.js';
import { MetricsLog } from '../../src/adapters/metrics/metrics-log.js';
import { PromMetrics } from '../../src/adapters/metrics/prom-metrics.js';
import { InMemoryThrottle } from '../../src/adapters/rate-limits/in-memory-throttle.js';
import { NO_METRICS } from '../../src/application/ports.js';
import { SilentLogger } from '../fakes/silent-logger.js';

/** The value of one sample line of a Prometheus text exposition, e.g. `chat_errors_sent_total{edge="ws",code="BUSY"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('PromMetrics', () => {
  const setup = () => {
    const metrics = new PromMetrics();
    const connections = { connectionCount: 0, authorizedCount: 0 };
    metrics.countConnections(connections);
    return { metrics, connections };
  };

  it('serves the Prometheus text format with the process metrics, event-loop delay included', async () => {
    const { metrics } = setup();
    expect(metrics.contentType).to.match(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.render();
    for (const name of ['process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
      expect(text).to.include(`# TYPE ${name} `);
    }
  });

  it('reads the connection gauges from their source when scraped', async () => {
    const { metrics, connections } = setup();
    connections.connectionCount = 7;
    connections.authorizedCount = 3;
    const text = await metrics.render();
    expect(sample(text, 'chat_connections_open')).to.equal(7);
    expect(sample(text, 'chat_connections_authorized')).to.equal(3);
  });

  it('counts stored messages, batch sizes and storage time', async () => {
    const { metrics } = setup();
    metrics.stored(3, 0.002);
    metrics.stored(1, 0.0004);
    const text = await metrics.render();
    expect(sample(text, 'chat_messages_stored_total')).to.equal(4);
    expect(sample(text, 'chat_storage_batch_size_count')).to.equal(2);
    expect(sample(text, 'chat_storage_batch_size_sum')).to.equal(4);
    expect(sample(text, 'chat_storage_batch_seconds_bucket{le="0.0005"}')).to.equal(1);
    expect(sample(text, 'chat_storage_batch_seconds_bucket{le="0.0025"}')).to.equal(2);
  });

  it('counts deliveries as frames times receivers, and fan-out time per message', async () => {
    const { metrics } = setup();
    metrics.delivered(2, 10);
    metrics.delivered(1, 3);
    metrics.fannedOut(0.004);
    const text = await metrics.render();
    expect(sample(text, 'chat_messages_delivered_total')).to.equal(23);
    expect(sample(text, 'chat_fanout_seconds_count')).to.equal(1);
  });

  it('counts error replies by edge and code, and refusals by limit', async () => {
    const { metrics } = setup();
    metrics.errorSent('RATE_LIMITED');
    metrics.errorSent('RATE_LIMITED');
    metrics.httpErrorSent('INVALID_CREDENTIALS');
    metrics.refused('login_account');
    const text = await metrics.render();
    expect(sample(text, 'chat_errors_sent_total{edge="ws",code="RATE_LIMITED"}')).to.equal(2);
    expect(sample(text, 'chat_errors_sent_total{edge="http",code="INVALID_CREDENTIALS"}')).to.equal(1);
    expect(sample(text, 'chat_rate_limit_refusals_total{limit="login_account"}')).to.equal(1);
  });

  it('keeps each instance to itself: two servers in one process do not add up', async () => {
    const first = setup().metrics;
    const second = setup().metrics;
    first.stored(5, 0.001);
    expect(sample(await second.render(), 'chat_messages_stored_total')).to.equal(0);
    expect(sample(await first.render(), 'chat_messages_stored_total')).to.equal(5);
  });
});

describe('CountingThrottle', () => {
  it('reports each refusal under its limit name and passes the answer on', () => {
    const refusals: string[] = [];
    const throttle = new CountingThrottle(new InMemoryThrottle({ count: 2, perSeconds: 60 }), 'login_account', {
      ...NO_METRICS,
      refused: (limit) => void refusals.push(limit),
    });
    expect([throttle.take('alice'), throttle.take('alice')]).to.deep.equal([0, 0]);
    expect(throttle.take('alice')).to.be.above(0);
    expect(throttle.take('bob')).to.equal(0);
    expect(refusals).to.deep.equal(['login_account']);
    throttle.forget('alice');
    expect(throttle.take('alice')).to.equal(0);
  });
});

describe('MetricsLog', () => {
  it("logs one 'metrics' line with the event-loop delay, the connections and the messages stored since the last line", async () => {
    const logger = new SilentLogger();
    let stored = 10;
    const log = new MetricsLog(logger, 3600, () => ({ connections: 4, authorizedConnections: 2, messagesStored: stored }));
    try {
      // Real time on purpose: what is measured is the event loop's own delay, sampled by Node's timer-driven
      // histogram, which no clock of ours drives. It samples for a while, then once more after the stall.
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Hold the event loop, so that the delay shows.
      const until = performance.now() + 60;
      while (performance.now() < until);
      await new Promise((resolve) => setTimeout(resolve, 30));
      stored = 25;
      log.report();
      stored = 26;
      log.report();
    } finally {
      log.stop();
    }
    expect(logger.entries.map((entry) => entry.event)).to.deep.equal(['metrics', 'metrics']);
    const [first, second] = logger.entries.map((entry) => entry.fields);
    expect(first).to.include({ connections: 4, authorizedConnections: 2, messagesStored: 15 });
    expect(first!.loopDelayMaxMs).to.be.within(40, 1000);
    expect(first!.loopDelayP50Ms).to.be.within(0, first!.loopDelayMaxMs as number);
    expect(first!.heapUsedMiB).to.be.above(0);
    expect(second).to.include({ messagesStored: 1 });
    // Reset after each line: the stall belongs to the first interval only.
    expect(second!.loopDelayMaxMs).to.be.below(40);
  });
});
