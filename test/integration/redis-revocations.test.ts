import { expect } from 'chai';
import type { Revocation } from '../../src/application/ports.js';
import { RedisRevocations } from '../../src/adapters/revocations/redis-revocations.js';
import { SilentLogger } from '../fakes/silent-logger.js';
import { eventually } from '../support/eventually.js';
import { REDIS_URL, adminClient, killConnections, requireRedis, uniqueChannel } from '../support/redis.js';

/** One node's revocations: what its listeners heard, and how often they were told some may be missed. */
interface Node {
  revocations: RedisRevocations;
  heard: Revocation[];
  missed: number;
  logger: SilentLogger;
}

describe('RedisRevocations (real Redis)', function () {
  this.timeout(20_000);
  let nodes: Node[] = [];
  let channel: string;

  beforeEach(async function () {
    await requireRedis(this);
    channel = uniqueChannel('revocations');
  });
  afterEach(async () => {
    await Promise.all(nodes.map(({ revocations }) => revocations.close()));
    nodes = [];
  });

  async function node(nodeId: string): Promise<Node> {
    const logger = new SilentLogger();
    const revocations = new RedisRevocations({ url: REDIS_URL, channel, logger, nodeId, maxReconnectDelayMs: 100 });
    const entry: Node = { revocations, heard: [], missed: 0, logger };
    revocations.subscribe(
      (revocation) => entry.heard.push(revocation),
      () => (entry.missed += 1),
    );
    nodes.push(entry);
    await eventually(() => revocations.isReady(), { what: `${nodeId} subscribed` });
    return entry;
  }

  it('delivers a revocation to every node, and to its own once, at once', async () => {
    const a = await node('a');
    const b = await node('b');
    a.revocations.publish({ sessionIds: ['s1', 's2'], reason: 'password_changed' });
    expect(a.heard).to.deep.equal([{ sessionIds: ['s1', 's2'], reason: 'password_changed' }]);
    await eventually(() => b.heard.length === 1, { what: 'b hears it' });
    expect(b.heard).to.deep.equal([{ sessionIds: ['s1', 's2'], reason: 'password_changed' }]);
    // A round trip through b: anything a would hear of its own has come by now.
    b.revocations.publish({ sessionIds: ['s3'], reason: 'revoked' });
    await eventually(() => a.heard.length === 2, { what: 'a hears b' });
    expect(a.heard.map(({ sessionIds }) => sessionIds)).to.deep.equal([['s1', 's2'], ['s3']]);
  });

  it('delivers its own revocations while Redis is out of reach', async () => {
    const a = await node('a');
    await killConnections(`revocations:${channel}:a`);
    a.revocations.publish({ sessionIds: ['s1'], reason: 'revoked' });
    expect(a.heard).to.have.length(1);
  });

  it('ignores what is not a revocation, logging it once', async () => {
    const a = await node('a');
    const admin = adminClient();
    try {
      for (const text of ['nonsense', '{"node":"x","sessionIds":"s1","reason":"revoked"}', '{"node":"x","sessionIds":["s1"],"reason":"because"}']) {
        await admin.publish(`${channel}:revocations`, text);
      }
      await admin.publish(`${channel}:revocations`, '{"node":"x","sessionIds":["s1"],"reason":"suspended"}');
    } finally {
      admin.disconnect();
    }
    await eventually(() => a.heard.length === 1, { what: 'the well-formed one heard' });
    expect(a.heard).to.deep.equal([{ sessionIds: ['s1'], reason: 'suspended' }]);
    expect(a.logger.entries.filter((entry) => entry.event === 'malformed revocation ignored')).to.have.length(1);
  });

  it('tells its listeners that revocations may have been missed when it is back after an outage', async () => {
    const a = await node('a');
    const before = a.missed;
    expect(await killConnections(`revocations:${channel}:a`)).to.be.greaterThan(0);
    await eventually(() => a.missed > before && a.revocations.isReady(), { what: 'a back, and its listeners told' });
  });
});
