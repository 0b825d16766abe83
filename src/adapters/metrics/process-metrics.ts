import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics: CPU, memory, heap, handles, GC and
 * event-loop delay (nodejs_eventloop_lag_p50_seconds … _max_seconds, reset at
 * every scrape). They describe the process, not one server in it, and
 * collecting them starts an event-loop monitor and a GC observer that cannot
 * be stopped: so they are collected once per process, into a registry of
 * their own that each PromMetrics renders beside its chat metrics.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
