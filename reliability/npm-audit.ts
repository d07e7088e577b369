// `npm audit --omit=dev`: the production dependency tree has no known advisory, or each one is
// explained in reliability/npm-audit-explained.json ({ "<advisory id, URL or package>": "why" }).
// If the registry's audit endpoint cannot be reached the part says it did not run: that is not "ok".
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PartOptions, PartResult, ReliabilityPart } from './part';

interface Advisory {
  source?: number;
  name: string;
  title: string;
  url: string;
  severity: string;
  range: string;
}

interface Vulnerability {
  name: string;
  severity: string;
  isDirect: boolean;
  via: Array<string | Advisory>;
  range: string;
  fixAvailable: boolean | { name: string; version: string; isSemVerMajor: boolean };
}

interface AuditReport {
  vulnerabilities?: Record<string, Vulnerability>;
  metadata?: { vulnerabilities: Record<string, number>; dependencies: { prod: number; total: number } };
  error?: { summary?: string; detail?: string };
  message?: string;
  statusCode?: number;
}

export interface AuditFinding {
  package: string;
  severity: string;
  direct: boolean;
  /** Advisory ids (GHSA from the URL) or the packages through which it comes. */
  advisories: string[];
  titles: string[];
  fix: string;
  explanation: string | null;
}

function runAudit(root: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('npm', ['audit', '--omit=dev', '--json'], { cwd: root, maxBuffer: 1 << 26, timeout: 180_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

const advisoryId = (a: Advisory) => a.url.split('/').pop() ?? String(a.source);

export function findingsOf(report: AuditReport, explained: Record<string, string>): AuditFinding[] {
  return Object.values(report.vulnerabilities ?? {}).map((v) => {
    const advisories = v.via.map((via) => (typeof via === 'string' ? via : advisoryId(via)));
    const titles = v.via.filter((via): via is Advisory => typeof via !== 'string').map((a) => a.title);
    const fix =
      v.fixAvailable === false
        ? 'no fix available'
        : v.fixAvailable === true
          ? 'npm audit fix'
          : `${v.fixAvailable.name}@${v.fixAvailable.version}${v.fixAvailable.isSemVerMajor ? ' (semver-major)' : ''}`;
    const keys = [...advisories, v.name, ...v.via.filter((via): via is Advisory => typeof via !== 'string').map((a) => a.url)];
    const key = keys.find((k) => explained[k] !== undefined);
    return { package: v.name, severity: v.severity, direct: v.isDirect, advisories, titles, fix, explanation: key ? explained[key] : null };
  });
}

export const npmAudit: ReliabilityPart = {
  id: 'npm-audit',
  async run(options: PartOptions): Promise<PartResult> {
    const title = 'npm audit of the production dependencies';
    const explainedFile = join(options.root, 'reliability/npm-audit-explained.json');
    const explained = existsSync(explainedFile) ? (JSON.parse(readFileSync(explainedFile, 'utf8')) as Record<string, string>) : {};
    const { stdout, stderr, code } = await runAudit(options.root);
    let report: AuditReport;
    try {
      report = JSON.parse(stdout) as AuditReport;
    } catch {
      const said = stderr
        .trim()
        .slice(0, 300)
        .replace(/https?:\/\/\S+/g, '<url>');
      return {
        id: 'npm-audit',
        title,
        ok: false,
        figures: [['result', 'did not run']],
        notes: [`npm audit printed no JSON (exit ${code}): ${said}`],
      };
    }
    if (!report.metadata || report.error || report.message) {
      // The report goes into committed docs: say what failed, not which host.
      const why = (report.message ?? report.error?.summary ?? 'no metadata in the answer').replace(
        /https?:\/\/\S+/g,
        'the advisory endpoint',
      );
      return {
        id: 'npm-audit',
        title,
        ok: false,
        figures: [['result', 'did not run: the audit endpoint is not reachable']],
        notes: [
          `npm audit --omit=dev failed to run (exit ${code}): ${why}. The registry this machine reaches serves packages but not the advisory endpoint, so no audit result exists; this is not a clean audit. A manual review against published advisories (docs/dependency-review.md) found no locked production package inside an advisory's affected range; it does not replace the audit.`,
        ],
      };
    }
    const findings = findingsOf(report, explained);
    const unexplained = findings.filter((f) => f.explanation === null);
    const counts = report.metadata.vulnerabilities;
    const figures: Array<[string, string | number]> = [
      ['production dependencies audited', report.metadata.dependencies.prod],
      [
        'findings (critical / high / moderate / low / info)',
        `${counts.critical} / ${counts.high} / ${counts.moderate} / ${counts.low} / ${counts.info}`,
      ],
      ['findings without an explanation', unexplained.length],
    ];
    for (const f of findings) {
      figures.push([
        `  ${f.package} (${f.severity}${f.direct ? ', direct' : ''})`,
        `${f.advisories.join(', ')}; fix: ${f.fix}${f.explanation ? `; explained: ${f.explanation}` : '; NOT EXPLAINED'}`,
      ]);
    }
    const notes = [
      'Explanations are kept in reliability/npm-audit-explained.json, keyed by advisory id (GHSA-…), advisory URL or package name.',
    ];
    for (const f of findings) if (f.titles.length) notes.push(`${f.package}: ${f.titles.join('; ')}`);
    return { id: 'npm-audit', title, ok: unexplained.length === 0, figures, notes };
  },
};
