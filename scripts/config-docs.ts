import { isSetting } from '../src/infrastructure/config.js';
import { SETTINGS, type Setting, type SettingsTable } from '../src/infrastructure/settings.js';

/**
 * The README's configuration table and `.env`, written from the settings
 * table (src/infrastructure/settings.ts) so that neither is edited by hand.
 * `npm run docs:config` writes them; a unit test checks that the committed
 * files are what it would write.
 */

export const WRITTEN_BY = 'Written by `npm run docs:config` from src/infrastructure/settings.ts: edit there.';
/** The README line after which the table stands. */
export const README_MARKER = `<!-- ${WRITTEN_BY} -->`;

/** Every setting, in the table's order. */
export function allSettings(table: SettingsTable = SETTINGS): Setting<unknown>[] {
  return Object.values(table).flatMap((entry) => (isSetting(entry) ? [entry] : allSettings(entry)));
}

export function readmeTable(settings = allSettings()): string {
  const rows = settings.map((setting) => {
    const fallback = setting.default === undefined ? 'unset' : `\`${setting.default}\``;
    return `| \`${setting.variable}\` | ${fallback} | ${setting.meaning} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** The README with the table after its marker line replaced. */
export function withReadmeTable(readme: string, settings = allSettings()): string {
  const lines = readme.split('\n');
  const start = lines.indexOf(README_MARKER) + 1;
  if (start === 0) throw new Error(`README.md has no line ${README_MARKER} to put the configuration table after`);
  let end = start;
  while (lines[end]?.startsWith('|')) end += 1;
  lines.splice(start, end - start, readmeTable(settings));
  return lines.join('\n');
}

export function envFile(settings = allSettings()): string {
  const header = [
    'Defaults for a local run. Every value here can be overridden by the real',
    'environment. Never put a secret in this file: it is committed.',
    WRITTEN_BY,
  ].map((line) => `# ${line}`);
  const entries = settings.map((setting) => {
    const assignment = setting.default === undefined ? `# ${setting.variable}=${setting.example ?? ''}` : `${setting.variable}=${setting.default}`;
    return [...comment(plain(setting.meaning)), assignment].join('\n');
  });
  return `${[header.join('\n'), ...entries].join('\n\n')}\n`;
}

/**
 * A README meaning as plain text: no code marks; a link keeps its text and
 * says where it leads (a README section, another file, a site).
 */
export function plain(markdown: string): string {
  return markdown
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_, text: string, target: string) => {
      if (target.startsWith('#')) return `${text} in README.md`;
      if (text === target) return text;
      return /^https?:/.test(target) ? `${text} <${target}>` : `${text} in ${target}`;
    })
    .replaceAll('`', '');
}

/** `# ` lines of at most 80 characters (a longer word stays whole). */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length > 1 && line.length + 1 + word.length > 80) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}
