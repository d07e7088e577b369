// npm run reliability [-- --short] [--only outage,crash]
// Runs the reliability parts one after the other against the built service (dist/, built by the npm
// script), prints each result, keeps it in reliability/results/<id>.json and rewrites
// docs/reliability.md from every result there, so parts run on their own still make one document.
// A short run (CI's) only prints: its smaller figures never replace a full run's.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cores } from '../harness/cores';
import { clusterPart } from './cluster';
import { crashPart } from './crash';
import { loginTiming } from './login-timing';
import { logSecrets } from './log-secrets';
import { npmAudit } from './npm-audit';
import { soak } from './soak';
import { outagePart } from './outage';
import type { PartResult, ReliabilityPart } from './part';

// In the order they run and appear in docs/reliability.md.
const PARTS: ReliabilityPart[] = [outagePart, crashPart, soak, loginTiming, logSecrets, npmAudit, clusterPart];

interface StoredResult extends PartResult {
  short: boolean;
  date: string;
  durationSeconds: number;
  /** loadAverage: the 1-minute load when the part started; other work on the machine skews timings. */
  machine: { cores: number; node: string; platform: string; loadAverage?: number };
}

const ROOT = join(__dirname, '..', '..');
const RESULTS_DIR = join(ROOT, 'reliability', 'results');
const DOC = join(ROOT, 'docs', 'reliability.md');

function parseArgs(argv: string[]): { short: boolean; only: string[] | null } {
  const short = argv.includes('--short');
  const i = argv.indexOf('--only');
  const only =
    i >= 0
      ? (argv[i + 1] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : null;
  return { short, only };
}

function print(result: StoredResult): void {
  console.log(
    `\n${result.ok ? 'ok    ' : 'FAILED'}  ${result.id}: ${result.title}  (${result.durationSeconds} s${result.short ? ', short' : ''})`,
  );
  const width = Math.max(...result.figures.map(([label]) => label.length), 10);
  for (const [label, value] of result.figures) console.log(`  ${label.padEnd(width)}  ${value}`);
  for (const note of result.notes) console.log(`  - ${note}`);
}

function cell(value: string | number): string {
  return String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The sections of the document as it is, by part id: a part not run on this machine (its result is not
 * in reliability/results/, which is not committed) keeps the figures it was last measured with.
 */
function sectionsOf(doc: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const section of doc.split(/^(?=## )/m).slice(1)) {
    const id = /— `([\w-]+)`/.exec(section)?.[1];
    if (id) sections.set(id, section);
  }
  return sections;
}

function renderDoc(results: StoredResult[], earlierSections: Map<string, string>): string {
  const lines = [
    '# Reliability',
    '',
    'What happens to Latchkey when things go wrong, measured by `npm run reliability`, which builds the',
    'service, runs each part against `node dist/main.js` in a child process and rewrites this file from',
    'the results in `reliability/results/` (not committed). `npm run reliability -- --only outage,crash`',
    'runs some parts; `-- --short` runs the smaller version CI runs, prints its figures and leaves this',
    'file and the stored results as they are. Figures depend on the machine; each part says where and',
    'when it was measured.',
    '',
  ];
  const order = new Map(PARTS.map((p, i) => [p.id, i]));
  const measured = new Set(results.map((r) => r.id));
  const entries: Array<StoredResult | { id: string; text: string }> = [
    ...results,
    ...[...earlierSections].filter(([id]) => !measured.has(id)).map(([id, text]) => ({ id, text })),
  ];
  const sorted = entries.sort((a, b) => (order.get(a.id) ?? 99) - (order.get(b.id) ?? 99) || a.id.localeCompare(b.id));
  for (const r of sorted) {
    if ('text' in r) {
      lines.push(r.text.trimEnd(), '');
      continue;
    }
    lines.push(`## ${r.title}`, '');
    lines.push(
      `**${r.ok ? 'ok' : 'FAILED'}** — \`${r.id}\`${r.short ? ' (short run)' : ''}, measured ${r.date.slice(0, 16).replace('T', ' ')} UTC on ${r.machine.cores} cores${r.machine.loadAverage === undefined ? '' : ` (load average ${r.machine.loadAverage} at the start)`}, Node ${r.machine.node} (${r.machine.platform}), ${r.durationSeconds} s.`,
      '',
    );
    if (r.figures.length > 0) {
      lines.push('| figure | value |', '| --- | --- |');
      for (const [label, value] of r.figures) lines.push(`| ${cell(label)} | ${cell(value)} |`);
      lines.push('');
    }
    for (const note of r.notes) lines.push(`- ${note}`);
    if (r.notes.length > 0) lines.push('');
  }
  return lines.join('\n');
}

function storedResults(): StoredResult[] {
  if (!existsSync(RESULTS_DIR)) return [];
  return readdirSync(RESULTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        const r = JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as StoredResult;
        return typeof r.id === 'string' && Array.isArray(r.figures) ? [r] : [];
      } catch {
        return [];
      }
    });
}

async function main(): Promise<void> {
  const { short, only } = parseArgs(process.argv.slice(2));
  const unknown = (only ?? []).filter((id) => !PARTS.some((p) => p.id === id));
  if (unknown.length > 0) {
    console.error(`Unknown part(s): ${unknown.join(', ')}. Known: ${PARTS.map((p) => p.id).join(', ')}`);
    process.exit(2);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const machine = { cores, node: process.version, platform: `${process.platform}-${process.arch}` };
  let failed = 0;
  for (const part of PARTS.filter((p) => !only || only.includes(p.id))) {
    console.log(`\n== ${part.id}${short ? ' (short)' : ''} …`);
    const started = Date.now();
    const load = Math.round(loadavg()[0] * 10) / 10;
    let result: PartResult;
    try {
      result = await part.run({ short, root: ROOT, resultsDir: RESULTS_DIR });
    } catch (error) {
      result = {
        id: part.id,
        title: part.id,
        ok: false,
        figures: [],
        notes: [`The part stopped with an error: ${error instanceof Error ? error.message : String(error)}`],
      };
    }
    const stored: StoredResult = {
      ...result,
      short,
      date: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: { ...machine, loadAverage: load },
    };
    // A short run's figures are CI's check, not the measurement: they do not replace a full run's.
    if (!short) writeFileSync(join(RESULTS_DIR, `${part.id}.json`), `${JSON.stringify(stored, null, 2)}\n`);
    print(stored);
    if (!stored.ok) failed++;
  }
  const verdict = failed === 0 ? 'all parts held' : `${failed} part(s) FAILED`;
  if (short) {
    console.log(`\n${verdict}; a short run: docs/reliability.md left as it is`);
  } else {
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    writeFileSync(DOC, renderDoc(storedResults(), sectionsOf(existsSync(DOC) ? readFileSync(DOC, 'utf8') : '')));
    console.log(`\n${verdict}; docs/reliability.md updated from reliability/results/`);
  }
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
