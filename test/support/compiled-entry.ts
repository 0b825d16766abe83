import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

let built = false;

/**
 * The node arguments that run one of the server's programs as `npm start`
 * and `npm run admin` do: compiled, from dist/. The first call in a test
 * process builds, so a test never runs an older build than the source;
 * `npm test` builds before its parallel workers start, and then this `tsc -b`
 * finds dist/ up to date and writes nothing. A compiled start takes a third
 * of one under tsx, and the process tests start some fifty.
 */
export function compiledEntry(program: 'main' | 'admin'): string[] {
  if (!built) {
    execFileSync(join('node_modules', '.bin', 'tsc'), ['-b', 'tsconfig.build.json'], { stdio: 'inherit' });
    built = true;
  }
  return ['--enable-source-maps', join('dist', `${program}.js`)];
}
