import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { allSettings, envFile, plain, withReadmeTable } from '../../scripts/config-docs.js';
import { loadConfig } from '../../src/infrastructure/config.js';

const committed = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const RUN = 'written from src/infrastructure/settings.ts: run npm run docs:config, and edit the table rather than the file';

describe('The settings table', () => {
  it('names each variable once', () => {
    const variables = allSettings().map((setting) => setting.variable);
    expect(variables).to.have.length(new Set(variables).size);
  });

  it('gives each setting a default its own kind takes, or a meaning for unset', () => {
    for (const setting of allSettings()) {
      if (setting.default === undefined) expect(setting.kind, setting.variable).to.have.property('unset');
      else expect(() => setting.kind.parse(setting.default, setting.variable), setting.variable).to.not.throw();
    }
  });

  it('describes each setting in one line', () => {
    for (const setting of allSettings()) expect(setting.meaning, setting.variable).to.match(/^[^\n|]+$/);
  });
});

describe('Configuration docs written from the settings table', () => {
  it('the README’s configuration table is what npm run docs:config writes', () => {
    const readme = committed('README.md');
    expect(readme, RUN).to.equal(withReadmeTable(readme));
  });

  it('.env is what npm run docs:config writes', () => {
    expect(committed('.env'), RUN).to.equal(envFile());
  });

  it('.env, loaded as the server loads it, configures what nothing set does', () => {
    expect(loadConfig(parseEnv(committed('.env')))).to.deep.equal(loadConfig({}));
  });

  it('writes a meaning’s links and code marks as plain text for .env', () => {
    expect(
      plain('`fatal` or `silent` (see [Logs](#logs)), [docs/deploy.md](docs/deploy.md), [PGlite](https://pglite.dev), [Limits](docs/protocol.md#limits)'),
    ).to.equal('fatal or silent (see Logs in README.md), docs/deploy.md, PGlite <https://pglite.dev>, Limits in docs/protocol.md#limits');
  });
});
