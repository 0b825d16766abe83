import Router from '@koa/router';
import type { MetricsExposition, ReadinessProbe } from '../../application/ports.js';

/** A probe that has not answered by then counts as not ready: /readyz itself must answer promptly. */
export const PROBE_TIMEOUT_MS = 1000;

export interface OpsOptions {
  /** Checked in parallel by every GET /readyz. */
  readiness: readonly ReadinessProbe[];
  /** Served at GET /metrics; absent, there is no /metrics. */
  metrics?: MetricsExposition | undefined;
}

/**
 * For orchestrators and monitoring: /healthz (the process answers), /readyz
 * (it should be sent traffic), /metrics. Neither throttled nor authenticated,
 * and cheap: they are polled every few seconds.
 */
export function opsRouter({ readiness, metrics }: OpsOptions): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const results = await Promise.all(readiness.map(async (probe) => [probe, await passes(probe)] as const));
    const ready = results.every(([, ok]) => ok);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = {
      status: ready ? 'ready' : 'not ready',
      checks: Object.fromEntries(results.map(([probe, ok]) => [probe.name, ok ? 'ok' : probe.notReady])),
    };
  });
  if (metrics) {
    router.get('/metrics', async (ctx) => {
      ctx.set('Cache-Control', 'no-store');
      ctx.type = metrics.contentType;
      ctx.body = await metrics.render();
    });
  }
  return router;
}

async function passes(probe: ReadinessProbe): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS)));
  try {
    return await Promise.race([Promise.resolve().then(() => probe.check()), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
