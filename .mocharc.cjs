// Test files run in parallel worker processes: most of the suite waits on
// servers, browsers and databases rather than computing, and every suite
// keeps its data apart (a schema, an embedded directory, a Redis channel of
// its own). At least two workers, even where mocha's default (cores - 1)
// would give one.
const { availableParallelism } = require('node:os');

module.exports = {
  'node-option': ['import=tsx'],
  spec: ['test/**/*.test.ts'],
  timeout: 20000,
  recursive: true,
  parallel: true,
  jobs: Math.max(2, availableParallelism()),
};
