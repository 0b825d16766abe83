/**
 * Where a server profile (node --cpu-prof, see `npm run bench -- --profile`)
 * spent its time: self time per function, and per package or source file,
 * idle time left out. Also runnable alone:
 *   node --import tsx bench/profile-summary.ts bench/profiles/<file>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  functions: Array<{ name: string; ms: number; share: number }>;
  places: Array<{ name: string; ms: number; share: number }>;
}

/** node_modules/<package> or src/<file> or (native/gc/program). */
function place(url: string): string {
  if (!url) return '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const source = /\/((?:src|bench)\/.+)$/.exec(url);
  if (source) return source[1]!;
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-2).join('/');
}

/**
 * `windows` (CLOCK_MONOTONIC microseconds, the clock of V8's sample stamps)
 * keeps only the samples taken inside them; none: the whole profile.
 */
export function summarizeProfile(path: string, top = 15, windows: ReadonlyArray<readonly [number, number]> = []): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows.length > 0 && !windows.some(([from, to]) => at >= from && at <= to)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = place(frame.url);
    const name = frame.url ? `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}` : frame.functionName || '(native)';
    functions.set(name, (functions.get(name) ?? 0) + us);
    const group = frame.url ? where : frame.functionName || '(native)';
    places.set(group, (places.get(group) ?? 0) + us);
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions: ranked(functions), places: ranked(places) };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [`busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms`, 'self time by package / file:'];
  for (const p of summary.places) lines.push(`  ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.name}`);
  lines.push('self time by function:');
  for (const f of summary.functions) lines.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path, top] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  console.log(formatProfile(summarizeProfile(path, Number(top ?? 20))));
}
