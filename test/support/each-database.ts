import { DATABASE_KINDS, type DatabaseTarget, type TestDatabaseKind } from './databases.js';
import { TestServer } from './test-server.js';

/**
 * Runs one end-to-end suite against a real server on each database kind:
 * one server per suite, tables emptied and clients closed between tests.
 */
export function describeOnEachDatabase(
  title: string,
  env: Record<string, string>,
  suite: (server: () => TestServer) => void,
  kinds: readonly TestDatabaseKind[] = DATABASE_KINDS,
): void {
  for (const kind of kinds) {
    describe(`${title} (${kind.name})`, function () {
      let target: DatabaseTarget | undefined;
      let server: TestServer | undefined;

      before(async function () {
        target = await kind.prepare(this);
        server = await TestServer.start(target, env);
      });
      after(async () => {
        await server?.stop();
        if (target) await kind.dispose(target);
      });
      afterEach(async () => {
        await server?.reset();
      });

      suite(() => {
        if (!server) throw new Error('server not started');
        return server;
      });
    });
  }
}
