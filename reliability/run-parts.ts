// node build/reliability/run-parts.js <part>[,<part>…] [--short]: runs parts of `npm run reliability`
// on their own and prints each PartResult as JSON (the shared runner writes the report).
import { join } from 'node:path';
import type { ReliabilityPart } from './part';
import { logSecrets } from './log-secrets';
import { loginTiming } from './login-timing';
import { npmAudit } from './npm-audit';
import { soak } from './soak';

const PARTS: ReliabilityPart[] = [soak, loginTiming, logSecrets, npmAudit];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const short = args.includes('--short');
  const wanted = (args.find((a) => !a.startsWith('--')) ?? '').split(',').filter(Boolean);
  const root = join(__dirname, '..', '..');
  const chosen = PARTS.filter((p) => wanted.includes(p.id));
  if (chosen.length === 0) throw new Error(`name one or more parts: ${PARTS.map((p) => p.id).join(', ')}`);
  let allOk = true;
  for (const part of chosen) {
    const started = Date.now();
    const result = await part.run({ short, root, resultsDir: join(root, 'reliability/results') });
    allOk &&= result.ok;
    console.log(JSON.stringify({ ...result, seconds: Math.round((Date.now() - started) / 1000) }, null, 2));
  }
  process.exitCode = allOk ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
