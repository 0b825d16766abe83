// The hexagon's layering, checked on every import in src/ (type-only imports
// included: a port typed on an adapter is as bound to it as one that calls it).
//
//   domain          imports nothing, not even npm packages or node: builtins
//   application     imports domain and itself, nothing else (no inversify, no reflect-metadata)
//   adapters/<g>    import domain, application, their own group <g>, npm and node builtins;
//                   groups are ports (fanout/, presence/, rate-limits/, ...), and adapters/redis/
//                   is the one exception: Redis pub/sub plumbing that implements no port, which
//                   the Redis adapters of two ports (fanout, presence) share
//   infrastructure  the composition root: may import anything in src
//   main.ts         reads config, builds the container, listens
//
// `npm run lint:layers` checks it; test/unit/layering.test.ts proves that a
// wrong import fails with the rule's name.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      // Entities and rules must be readable and testable alone; anything they
      // import becomes part of every use case and every adapter.
      name: 'domain-imports-nothing',
      comment: 'src/domain may import only src/domain: no application, adapter, infrastructure, npm package or node builtin.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/' },
    },
    {
      // Use cases see the world through ports they declare themselves. DI
      // decorators (inversify, reflect-metadata) belong to the composition root.
      name: 'application-imports-only-domain',
      comment: 'src/application may import only src/domain and src/application: no adapter, infrastructure, npm package or node builtin.',
      severity: 'error',
      from: { path: '^src/application/' },
      to: { pathNot: '^src/(application|domain)/' },
    },
    {
      // Each adapter group implements ports on its own; two groups that need
      // each other are one group, or share a port.
      name: 'adapters-do-not-import-each-other',
      comment: 'src/adapters/<group> may not import another adapter group (src/adapters/x -> src/adapters/y).',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/', pathNot: ['^src/adapters/$1/', '^src/adapters/redis/'] },
    },
    {
      // The root knows the adapters, never the reverse: an adapter that reads
      // config or the container is a service locator.
      name: 'adapters-do-not-import-the-composition-root',
      comment: 'src/adapters may not import src/infrastructure or src/main.ts; they get what they need through constructors.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(infrastructure/|main\\.ts$)' },
    },
    {
      // Concrete adapters are chosen in one place. (domain and application
      // are held by their stricter rules above, so they are not repeated here.)
      name: 'only-composition-root-names-adapters',
      comment: 'Only src/infrastructure and src/main.ts (and an adapter group itself) may import from src/adapters.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(adapters/|infrastructure/|domain/|application/|main\\.ts$)' },
      to: { path: '^src/adapters/' },
    },
    {
      // Production code must run without the test and bench trees installed.
      name: 'src-does-not-import-test-or-bench',
      comment: 'Nothing in src may import from test/ or bench/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    // Imports into node_modules are recorded (the domain and application
    // rules need to see them) but not followed.
    doNotFollow: { path: 'node_modules' },
    // Type-only imports vanish on compile but bind the layers all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    detectProcessBuiltinModuleCalls: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    // Run only what the rules above need: faster, and nothing else to read.
    skipAnalysisNotInRules: true,
  },
};
