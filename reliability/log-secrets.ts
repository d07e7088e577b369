// "No secret in a captured log of a full test run": runs the test suite (short: a representative
// subset) with LATCHKEY_TEST_LOG_FILE set, so every test app logs at trace level with request lines
// into one file, then searches that file for anything secret. Also a CLI for CI, which captures the
// log of its own `npm test` run and only needs the scan:
//   node build/reliability/log-secrets.js --scan <file>      (exit 1 on any finding)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseToken } from '../src/auth/token-format';
import { PASSWORD } from '../test/support/api';
import type { PartOptions, PartResult, ReliabilityPart } from './part';

export const SHORT_SPECS = ['accounts', 'tokens', 'api-users', 'invitations', 'token-check', 'errors'].map((s) => `test/${s}.e2e-spec.ts`);

export interface Finding {
  kind: string;
  line: number;
  /** Where it was, with the secret itself shortened to its first characters. */
  excerpt: string;
}

export interface ScanResult {
  bytes: number;
  lines: number;
  nonJsonLines: number;
  byLevel: Record<string, number>;
  findings: Finding[];
}

interface Rule {
  kind: string;
  pattern: RegExp;
  /** False drops a match (e.g. a token-shaped string that another rule already reports). */
  keep?: (match: string) => boolean;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Literal secrets the specs use: the shared test password, every other password literal of eight
 * characters or more, and platform introspection keys (constants named *_KEY of 32+ characters).
 */
export function knownSecrets(root: string): string[] {
  const found = new Set<string>([PASSWORD]);
  const dir = join(root, 'test');
  const files = existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts'))
    : [];
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(/[pP]assword['"]?\s*:\s*'([^'$]{8,})'/g)) found.add(m[1]);
    for (const m of source.matchAll(/KEYS?\s*[:=]\s*'([^'$]{32,})'/g)) for (const key of m[1].split(',')) found.add(key.trim());
  }
  return [...found];
}

function rules(literals: string[]): Rule[] {
  return [
    { kind: 'token with a valid checksum', pattern: /lk[pasivr]_[0-9A-Za-z]{38}(?![0-9A-Za-z])/g, keep: (m) => parseToken(m) !== null },
    {
      kind: 'token-shaped string (bad checksum)',
      pattern: /lk[pasivr]_[0-9A-Za-z]{38}(?![0-9A-Za-z])/g,
      keep: (m) => parseToken(m) === null,
    },
    // Hints are `lkp_abcd…wxyz`: four characters. Anything longer is part of a secret.
    { kind: 'token fragment', pattern: /lk[pasivr]_[0-9A-Za-z]{8,}/g, keep: (m) => m.length !== 42 },
    // A webhook signing secret (src/webhooks/webhook-secrets.ts): shown once to its creator, never logged.
    { kind: 'webhook signing secret', pattern: /whsec_[A-Za-z0-9+/]{16,}/g },
    { kind: 'argon2 hash', pattern: /\$argon2(?:id|i|d)\$/g },
    // Request ids are UUIDs (with dashes); a bare 64-hex string is what a token's SHA-256 looks like.
    { kind: 'SHA-256-sized hex string (token hash?)', pattern: /(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])/g },
    {
      kind: 'password field with a value',
      pattern: /"(?:password|currentPassword|newPassword|password_hash|passwordHash)"\s*:\s*"[^"]+"/gi,
    },
    { kind: 'Authorization header', pattern: /"authorization"\s*:/gi },
    { kind: 'credentials after an auth scheme', pattern: /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g },
    { kind: 'SQL', pattern: /\b(?:SELECT\b[^"\n]{0,200}\bFROM|INSERT INTO|UPDATE\s+"?\w+"?\s+SET|DELETE FROM)\b/g },
    { kind: 'stack trace', pattern: /\\n\s+at\s|\n\s+at\s|"stack"\s*:/g },
    ...literals.map((literal) => ({ kind: 'test password or platform key', pattern: new RegExp(escape(literal), 'g') })),
  ];
}

/** Shortens every secret-looking run in a piece of text. */
function redact(text: string, literals: string[]): string {
  let out = text.replace(
    /lk[pasivr]_[0-9A-Za-z]{8,}|whsec_[A-Za-z0-9+/]{8,}|[0-9A-Fa-f]{64}|\$argon2[^"\s]*/g,
    (m) => `${m.slice(0, 6)}…[${m.length} chars]`,
  );
  for (const literal of literals) out = out.split(literal).join(`${literal.slice(0, 3)}…[${literal.length} chars]`);
  return out.replace(/("(?:password|currentPassword|authorization)"\s*:\s*")[^"]*/gi, '$1…');
}

export function scanLog(text: string, literals: string[]): ScanResult {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const checks = rules(literals);
  const findings: Finding[] = [];
  const byLevel: Record<string, number> = {};
  let nonJsonLines = 0;
  lines.forEach((line, i) => {
    try {
      const level = String((JSON.parse(line) as { level?: unknown }).level);
      byLevel[level] = (byLevel[level] ?? 0) + 1;
    } catch {
      nonJsonLines++;
    }
    // One finding per rule and line: a stack trace is one finding, not one per frame.
    for (const rule of checks) {
      const m = [...line.matchAll(rule.pattern)].find((candidate) => !rule.keep || rule.keep(candidate[0]));
      if (!m) continue;
      const from = Math.max(0, (m.index ?? 0) - 60);
      findings.push({ kind: rule.kind, line: i + 1, excerpt: redact(line.slice(from, (m.index ?? 0) + m[0].length + 40), literals) });
    }
  });
  return { bytes: Buffer.byteLength(text), lines: lines.length, nonJsonLines, byLevel, findings };
}

const LEVEL_NAMES: Record<string, string> = { '10': 'trace', '20': 'debug', '30': 'info', '40': 'warn', '50': 'error', '60': 'fatal' };

function describeScan(scan: ScanResult): { figures: Array<[string, string | number]>; notes: string[] } {
  const levels = Object.entries(scan.byLevel)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([level, n]) => `${LEVEL_NAMES[level] ?? level} ${n}`)
    .join(', ');
  const kinds = new Map<string, number>();
  for (const f of scan.findings) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const figures: Array<[string, string | number]> = [
    ['log lines scanned', scan.lines],
    ['log size', `${(scan.bytes / 2 ** 20).toFixed(1)} MiB`],
    ['lines by level', levels || 'none'],
    ['findings', scan.findings.length],
  ];
  for (const [kind, n] of kinds) figures.push([`  ${kind}`, n]);
  const notes = scan.findings.slice(0, 10).map((f) => `line ${f.line}, ${f.kind}: ${f.excerpt}`);
  if (scan.findings.length > 10) notes.push(`… and ${scan.findings.length - 10} more findings.`);
  if (scan.nonJsonLines) notes.push(`${scan.nonJsonLines} lines were not JSON.`);
  return { figures, notes };
}

function runJest(root: string, specs: string[], logFile: string, reportFile: string): Promise<number | null> {
  const env: NodeJS.ProcessEnv = { ...process.env, LATCHKEY_TEST_LOG_FILE: logFile };
  delete env.DATABASE_URL; // the embedded database, as CI's first test run
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules/jest/bin/jest.js'), '--ci', '--json', `--outputFile=${reportFile}`, ...specs],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export const logSecrets: ReliabilityPart = {
  id: 'log-secrets',
  async run(options: PartOptions): Promise<PartResult> {
    const title = 'No secret in the log of a test run';
    mkdirSync(options.resultsDir, { recursive: true });
    const logFile = join(options.resultsDir, 'log-secrets-test-run.log');
    const reportFile = join(options.resultsDir, 'log-secrets-jest.json');
    rmSync(logFile, { force: true });
    const specs = options.short ? SHORT_SPECS : [];
    const started = Date.now();
    const exitCode = await runJest(options.root, specs, logFile, reportFile);
    const seconds = Math.round((Date.now() - started) / 1000);
    const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, 'utf8')) as Record<string, number>) : null;
    if (!existsSync(logFile) || statSync(logFile).size === 0) {
      return {
        id: 'log-secrets',
        title,
        ok: false,
        figures: [['jest exit code', String(exitCode)]],
        notes: ['The test run wrote no log: LATCHKEY_TEST_LOG_FILE was not honoured.'],
      };
    }
    const literals = knownSecrets(options.root);
    const scan = scanLog(readFileSync(logFile, 'utf8'), literals);
    const { figures, notes } = describeScan(scan);
    const testsOk = exitCode === 0;
    figures.unshift(
      [
        'test run',
        options.short
          ? `subset: ${SHORT_SPECS.map((s) => s.replace(/^test\/|\.e2e-spec\.ts$/g, '')).join(', ')}`
          : 'npm test (every spec), embedded database',
      ],
      ['tests passed / failed', report ? `${report.numPassedTests} / ${report.numFailedTests}` : `jest exit ${exitCode}`],
      ['test run time', `${seconds} s`],
    );
    notes.unshift(
      `Test apps log at trace level with request lines (LATCHKEY_TEST_LOG_FILE); the scan looks for tokens (by format, and by checksum), token fragments, argon2 hashes, 64-hex strings, password fields and the ${literals.length} passwords and platform keys the specs use, Authorization headers, SQL and stack traces.`,
      'Services that specs start as child processes (dist/main.js) log to their own output, which this capture does not include.',
    );
    if (!testsOk) notes.push(`The test run did not pass (jest exit ${exitCode}): the log covers what ran.`);
    return { id: 'log-secrets', title, ok: testsOk && scan.findings.length === 0, figures, notes };
  },
};

if (require.main === module) {
  const i = process.argv.indexOf('--scan');
  if (i < 0 || !process.argv[i + 1]) {
    console.error('usage: node build/reliability/log-secrets.js --scan <log file>');
    process.exit(2);
  }
  const root = join(__dirname, '..', '..');
  const scan = scanLog(readFileSync(process.argv[i + 1], 'utf8'), knownSecrets(root));
  const { figures, notes } = describeScan(scan);
  for (const [label, value] of figures) console.log(`${label}: ${value}`);
  for (const note of notes) console.log(note);
  console.log(scan.findings.length === 0 ? 'log-secrets: no secret found' : `log-secrets: ${scan.findings.length} findings`);
  process.exitCode = scan.findings.length === 0 ? 0 : 1;
}
