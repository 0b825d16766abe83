import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { PinoLogger } from './adapters/logging/pino-logger.js';
import { createApplication } from './infrastructure/container.js';
import { ConfigError, loadConfig } from './infrastructure/config.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // One line, nothing else: the message names the variable and what it expects.
  console.error(`configuration error: ${error.message}`);
  process.exit(1);
}

const logger = new PinoLogger(config.logLevel);
const app = await createApplication(config, logger).catch((error: unknown) => {
  // The database could not be opened or migrated: one log line saying so, not an uncaught exception.
  logger.error('start failed', { error });
  process.exit(1);
});
app.http.once('error', (error) => {
  logger.error('listen failed', { error, host: config.host, port: config.port });
  process.exit(1);
});
app.http.listen(config.port, config.host, () => {
  const { port } = app.http.address() as AddressInfo;
  logger.info('listening', {
    url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/`,
    port,
    database: config.databaseUrl ? 'postgresql' : `embedded (${config.dataDir})`,
  });
});

// After a backup is restored into the database, SIGHUP makes the server forget what it cached from it.
process.on('SIGHUP', () => {
  logger.info('reloading', { signal: 'SIGHUP' });
  app.reload();
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
}
