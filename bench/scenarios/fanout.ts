/**
 * fanout: the fan-out ramp (fanout-ramp.ts) on one node: one chat, 1000
 * receivers, 50 senders, ~100-character messages, open-loop steps until p99
 * passes 50 ms or a delivery is lost. The result is the highest step held, in
 * deliveries per second.
 */
import { openFanoutRoom, RECEIVERS, runFanoutRamp, SENDERS, type FanoutRoom } from './fanout-ramp.js';
import type { ScenarioContext, ScenarioOutput } from './types.js';

export async function fanout(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const target = await ctx.databases.scratch(ctx.db);
  const server = await ctx.startServer(target);
  let room: FanoutRoom | undefined;
  try {
    room = await openFanoutRoom(ctx, [server], 'f');
    const ramp = await runFanoutRamp(ctx, room, { label: '', pgDbs: target.pgDatabase ? [target.pgDatabase] : [] });
    return {
      cases: ramp.cases,
      summary: {
        held_msgs_per_s: ramp.bestRate,
        held_deliveries_per_s: ramp.best?.throughput ?? 0,
        held_p99_ms: ramp.best?.latency?.p99 ?? null,
        first_missed_msgs_per_s: ramp.missedRate ?? null,
        receivers: RECEIVERS,
        senders: SENDERS,
      },
      notes: [
        ...ramp.notes,
        `deliveries/s = msg/s x ${room.clients.length} connections (${RECEIVERS} receivers + ${SENDERS} senders, which get every message too); every connection checks its ids (in order, no gap)`,
      ],
    };
  } finally {
    await ctx.stopServer(server);
    room?.close();
  }
}
