/**
 * Which server the bench runs: the working tree's (default), or a commit's
 * (--server-rev), exported with `git archive` into a temporary directory,
 * with the working tree's node_modules linked in. The second is
 * for measuring a known commit while the working tree is being edited: what
 * runs is exactly the commit, whatever src/ holds at the moment. Only reads
 * the repository; never changes its state.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerTree {
  /** Where the server is started (its working directory: main.ts reads .env from it). */
  root: string;
  /** For the header and the JSON lines. */
  revision: string;
}

function git(repo: string, args: readonly string[]): string {
  const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Whether files under `dir` differ from HEAD in the working tree. */
function changed(repo: string, dir: string): boolean {
  return git(repo, ['status', '--porcelain', '--', dir]) !== '';
}

/** The working tree: the commit, and which of src/ and bench/ differ from it. */
export function workingTree(repo: string): ServerTree {
  let revision = 'unknown';
  try {
    const dirty = ['src', 'bench'].filter((dir) => changed(repo, dir));
    revision = `${git(repo, ['rev-parse', '--short', 'HEAD'])}${dirty.length > 0 ? ` + uncommitted changes in ${dirty.map((dir) => `${dir}/`).join(' and ')}` : ''}`;
  } catch {
    // Not a git checkout: the revision stays unknown.
  }
  return { root: repo, revision };
}

/**
 * The commit `rev`, exported once to <tmp>/chat-bench-trees/<sha> and reused.
 * Outside the repository: under it, `tsc -p .` (which includes bench/) would
 * compile the copy too.
 */
export function exportedTree(repo: string, rev: string): ServerTree {
  const sha = git(repo, ['rev-parse', '--short', `${rev}^{commit}`]);
  const root = join(tmpdir(), 'chat-bench-trees', sha);
  const marker = join(root, '.bench-exported');
  if (!existsSync(marker)) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const archive = spawnSync('git', ['archive', '--format=tar', sha], { cwd: repo, maxBuffer: 1024 ** 3 });
    if (archive.status !== 0) throw new Error(`git archive ${sha}: ${archive.stderr.toString().trim()}`);
    const untar = spawnSync('tar', ['-x', '-C', root], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`tar: ${untar.stderr.toString().trim()}`);
    // The dependencies of the working tree: the same lockfile unless the commit changed it.
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
    writeFileSync(marker, `${sha}\n`);
  }
  const bench = changed(repo, 'bench') ? ' (bench: working tree, with uncommitted changes)' : '';
  return { root, revision: `${sha}, exported with git archive to ${root} (the working tree's src/ is not what runs)${bench}` };
}
