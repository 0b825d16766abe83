import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layering check (.dependency-cruiser.cjs, `npm run lint:layers`) run as
// the developer runs it, on a small tree that mirrors ours: once clean, once
// with one wrong import per rule planted in it, and once on the real src/.

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEPCRUISE = join(REPO, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

type Tree = Record<string, string>;

/** Every edge the layering allows, once. */
const CLEAN: Tree = {
  'src/domain/errors.ts': `export class DomainError extends Error {}\n`,
  'src/domain/user.ts': `import { DomainError } from './errors.js';\nexport const refuse = () => new DomainError();\n`,
  'src/application/ports.ts': `import type { refuse } from '../domain/user.js';\nexport interface UserRepository { find(): ReturnType<typeof refuse> }\n`,
  'src/application/register.ts': `import type { UserRepository } from './ports.js';\nexport class Register { constructor(readonly users: UserRepository) {} }\n`,
  'src/adapters/http/http-app.ts': [
    `import Koa from 'koa';`,
    `import { createServer } from 'node:http';`,
    `import type { Register } from '../../application/register.js';`,
    `import { DomainError } from '../../domain/errors.js';`,
    `import { statusOf } from './error-status.js';`,
    `export const app = (register: Register) => [new Koa(), createServer, register, DomainError, statusOf];`,
    ``,
  ].join('\n'),
  'src/adapters/http/error-status.ts': `export const statusOf = () => 400;\n`,
  'src/adapters/persistence/knex-user-repository.ts': `import type { Knex } from 'knex';\nimport type { UserRepository } from '../../application/ports.js';\nexport type Repo = UserRepository & { db: Knex };\n`,
  'src/infrastructure/container.ts': [
    `import 'reflect-metadata';`,
    `import { Container } from 'inversify';`,
    `import { app } from '../adapters/http/http-app.js';`,
    `import type { Repo } from '../adapters/persistence/knex-user-repository.js';`,
    `export const build = (): [Container, typeof app, Repo?] => [new Container(), app];`,
    ``,
  ].join('\n'),
  'src/main.ts': `import { build } from './infrastructure/container.js';\nimport { statusOf } from './adapters/http/error-status.js';\nbuild();\nstatusOf();\n`,
  'test/fakes/in-memory-user-repository.ts': `import type { UserRepository } from '../../src/application/ports.js';\nexport type Fake = UserRepository;\n`,
  'bench/run.ts': `import { build } from '../src/infrastructure/container.js';\nbuild();\n`,
};

/**
 * Wrong imports, each in a file of its own: [file, contents, rule it breaks]. Some
 * are type-only on purpose: they bind the layers too, and vanish if the check reads compiled output.
 */
const PLANTED: Array<[string, string, string]> = [
  ['src/domain/planted-outward.ts', `import { Register } from '../application/register.js';\nexport { Register };\n`, 'domain-imports-nothing'],
  ['src/domain/planted-npm.ts', `import type { Knex } from 'knex';\nexport type K = Knex;\n`, 'domain-imports-nothing'],
  ['src/domain/planted-builtin.ts', `import { randomUUID } from 'node:crypto';\nexport const id = randomUUID;\n`, 'domain-imports-nothing'],
  [
    'src/application/planted-adapter.ts',
    `import { statusOf } from '../adapters/http/error-status.js';\nexport { statusOf };\n`,
    'application-imports-only-domain',
  ],
  ['src/application/planted-di.ts', `import { injectable } from 'inversify';\nexport { injectable };\n`, 'application-imports-only-domain'],
  [
    'src/adapters/http/planted-cross.ts',
    `import type { Repo } from '../persistence/knex-user-repository.js';\nexport type R = Repo;\n`,
    'adapters-do-not-import-each-other',
  ],
  [
    'src/adapters/persistence/planted-root.ts',
    `import { build } from '../../infrastructure/container.js';\nexport { build };\n`,
    'adapters-do-not-import-the-composition-root',
  ],
  ['src/shared/planted.ts', `import { app } from '../adapters/http/http-app.js';\nexport { app };\n`, 'only-composition-root-names-adapters'],
  [
    'src/infrastructure/planted-fake.ts',
    `import type { Fake } from '../../test/fakes/in-memory-user-repository.js';\nexport type F = Fake;\n`,
    'src-does-not-import-test-or-bench',
  ],
];

interface Run {
  code: number;
  output: string;
}

/** `depcruise src` with our config, in `cwd`, as `npm run lint:layers` runs it. */
function cruise(cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [DEPCRUISE, 'src', '--config', join(REPO, '.dependency-cruiser.cjs')], { cwd }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Writes a tree into a fresh temporary directory that resolves npm packages from ours. */
async function plant(tree: Tree): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'layering-'));
  for (const [file, contents] of Object.entries(tree)) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), contents);
  }
  await writeFile(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

describe('the layering check', function () {
  // Each run loads TypeScript to read type-only imports: about a second apiece, so the three run side by side.
  this.timeout(60_000);
  const dirs: string[] = [];
  let clean: Promise<Run>;
  let planted: Promise<Run>;
  let real: Promise<Run>;

  before(async () => {
    const cleanDir = await plant(CLEAN);
    const plantedDir = await plant({ ...CLEAN, ...Object.fromEntries(PLANTED.map(([file, contents]) => [file, contents])) });
    dirs.push(cleanDir, plantedDir);
    [clean, planted, real] = [cruise(cleanDir), cruise(plantedDir), cruise(REPO)];
    // Settled here so that a failing run is reported by its own test, not as a hook failure.
    await Promise.allSettled([clean, planted, real]);
  });

  after(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('passes a tree where every layer imports only what it may', async () => {
    const { code, output } = await clean;
    expect(output).to.match(/no dependency violations found/);
    expect(code, output).to.equal(0);
  });

  it('fails on a wrong import, naming the rule it breaks and the file', async () => {
    const { code, output } = await planted;
    expect(code, output).to.not.equal(0);
    for (const [file, , rule] of PLANTED) {
      expect(output, `${file} should break ${rule}`).to.match(new RegExp(`error ${rule}: ${file.replaceAll('.', '\\.')} → `));
    }
    // Only the planted files: the allowed edges of the clean tree stay allowed beside them.
    const reported = [...output.matchAll(/^\s*error [\w-]+: (\S+) → /gm)].map(([, from]) => from);
    expect(new Set(reported)).to.deep.equal(new Set(PLANTED.map(([file]) => file)));
  });

  // The real tree, as `npm run lint:layers` sees it. It passes today; a change
  // that breaks it fixes the import, not the rule.
  it('passes the real src/', async () => {
    const { code, output } = await real;
    expect(output).to.match(/no dependency violations found/);
    expect(code, output).to.equal(0);
  });
});
