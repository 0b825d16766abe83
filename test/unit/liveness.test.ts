import { expect } from 'chai';
import type { Writable } from 'node:stream';
import type { WsConnection } from '../../src/adapters/ws/connection.js';
import { Liveness } from '../../src/adapters/ws/liveness.js';

const LIMIT = 1000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A TCP socket with `pending` bytes in its buffer, and the connection on it (ws's bufferedAmount counts the same bytes). */
function reader(pending: number): { socket: Writable & { writableLength: number }; connection: WsConnection & { dropped: number } } {
  const socket = { writableLength: pending } as Writable & { writableLength: number };
  const connection = {
    behind: false,
    dropped: 0,
    socket: {
      get bufferedAmount() {
        return socket.writableLength;
      },
    },
    dropSlow(this: { dropped: number }) {
      this.dropped += 1;
    },
  } as unknown as WsConnection & { dropped: number };
  return { socket, connection };
}

describe('Liveness: readers that fall behind', () => {
  let liveness: Liveness;
  afterEach(() => liveness.stop());

  function watch(readers: Array<ReturnType<typeof reader>>, backlog: Set<Writable>): Liveness {
    const connections = new Map(readers.map(({ socket, connection }) => [socket, connection]));
    liveness = new Liveness(connections, backlog, 60_000, LIMIT, quiet);
    return liveness;
  }

  it('cuts a reader still over the limit at the second check, not at the first', () => {
    const slow = reader(LIMIT + 1);
    const check = watch([slow], new Set([slow.socket]));
    check.checkSendBuffers();
    expect(slow.connection.dropped).to.equal(0);
    check.checkSendBuffers();
    expect(slow.connection.dropped).to.equal(1);
  });

  it('keeps a reader that was over the limit once and then read', () => {
    const catching = reader(LIMIT + 1);
    const check = watch([catching], new Set([catching.socket]));
    check.checkSendBuffers();
    catching.socket.writableLength = LIMIT - 1;
    check.checkSendBuffers();
    catching.socket.writableLength = LIMIT + 1;
    check.checkSendBuffers();
    expect(catching.connection.dropped).to.equal(0);
  });

  it('forgets a socket once its buffer is empty, or once it closed, and looks only at the backlog', () => {
    const drained = reader(0);
    const closed = reader(LIMIT * 2);
    const neverBehind = reader(0);
    Object.defineProperty(neverBehind.connection.socket, 'bufferedAmount', {
      get: () => expect.fail('a connection that never had bytes left over was looked at'),
    });
    const backlog = new Set<Writable>([drained.socket, closed.socket]);
    const check = watch([drained, neverBehind], backlog);
    check.checkSendBuffers();
    expect([...backlog]).to.deep.equal([]);
    expect(closed.connection.dropped).to.equal(0);
  });
});
