// One part of `npm run reliability`: it runs on its own, says whether the property held, and gives
// the figures docs/reliability.md reports.
export interface PartOptions {
  /** The short version .ci/run runs: same checks, smaller numbers. */
  short: boolean;
  /** The repository root (dist/ is built before any part runs). */
  root: string;
  /** Where a part may keep raw output (reliability/results/, not committed). */
  resultsDir: string;
}

export interface PartResult {
  /** Stable id, e.g. "outage". */
  id: string;
  title: string;
  /** True when every property the part checks held. */
  ok: boolean;
  /** Figures for the report, in the order they should be printed: label -> value with its unit. */
  figures: Array<[string, string | number]>;
  /** Plain sentences: what was checked, what failed, what limits the figures. */
  notes: string[];
}

export interface ReliabilityPart {
  id: string;
  run(options: PartOptions): Promise<PartResult>;
}
