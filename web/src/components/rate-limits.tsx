// A token's or API user's own rate limit (shown, set in a form, changed in a dialog), and a token's
// usage as a small inline chart of its last 30 days.
import { useRef, useState } from 'react';
import type { RateLimit, TokenUsage } from '../api/models';
import { useLoad } from '../hooks';
import { Dialog } from './Dialog';
import { FormAlert, FormDialogActions, InvalidInput, TextField, useForm, type Form } from './form';

export const RATE_LIMIT_FIELDS = ['rateLimit', 'rateLimit.limit', 'rateLimit.windowSeconds'];

export function RateLimitText({ rateLimit, none = 'Global limit only' }: { rateLimit: RateLimit | null | undefined; none?: string }) {
  if (!rateLimit) return <span className="muted">{none}</span>;
  return (
    <span>
      {rateLimit.limit.toLocaleString()} per {windowText(rateLimit.windowSeconds)}
    </span>
  );
}

function windowText(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? 'day' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? 'second' : `${seconds} seconds`;
}

/** The two inputs as typed: both empty is no limit; the server judges the numbers (and names the field). */
export interface RateLimitInput {
  limit: string;
  windowSeconds: string;
}

export const NO_RATE_LIMIT: RateLimitInput = { limit: '', windowSeconds: '' };

export function rateLimitBody(input: RateLimitInput): RateLimit | null {
  const limit = input.limit.trim();
  const windowSeconds = input.windowSeconds.trim();
  if (limit === '' && windowSeconds === '') return null;
  if (limit === '' || windowSeconds === '') {
    throw new InvalidInput({ [limit === '' ? 'rateLimit.limit' : 'rateLimit.windowSeconds']: 'is needed with the other one' });
  }
  return { limit: Number(limit), windowSeconds: Number(windowSeconds) };
}

export function RateLimitFields({
  form,
  value,
  onChange,
}: {
  form: Form;
  value: RateLimitInput;
  onChange: (value: RateLimitInput) => void;
}) {
  return (
    <fieldset className="grid-2">
      <legend>Rate limit (optional)</legend>
      <TextField
        form={form}
        name="rateLimit.limit"
        label="Requests"
        optional
        inputMode="numeric"
        value={value.limit}
        onChange={(limit) => onChange({ ...value, limit })}
        hint="At most this many requests per window, on top of the service's global limit. Leave both empty for none."
      />
      <TextField
        form={form}
        name="rateLimit.windowSeconds"
        label="Window (seconds)"
        optional
        inputMode="numeric"
        value={value.windowSeconds}
        onChange={(windowSeconds) => onChange({ ...value, windowSeconds })}
        hint="1 to 86400 (a day)."
      />
    </fieldset>
  );
}

/** "Limit": a dialog to set, change or remove a rate limit. */
export function RateLimitButton({
  name,
  rateLimit,
  onSave,
  onSaved,
}: {
  name: string;
  rateLimit: RateLimit | null | undefined;
  onSave: (rateLimit: RateLimit | null) => Promise<unknown>;
  onSaved: () => void;
}) {
  const [open, setOpen] = useState(false);
  const saved = useRef(false);
  const initial = rateLimit ? { limit: String(rateLimit.limit), windowSeconds: String(rateLimit.windowSeconds) } : NO_RATE_LIMIT;
  const [value, setValue] = useState<RateLimitInput>(initial);
  const form = useForm({ fields: RATE_LIMIT_FIELDS });
  const submit = form.handleSubmit(async () => {
    await onSave(rateLimitBody(value));
    saved.current = true;
    setOpen(false);
  });
  return (
    <>
      <button
        type="button"
        className="button secondary small"
        aria-label={`Rate limit of ${name}`}
        onClick={() => {
          setValue(initial);
          setOpen(true);
        }}
      >
        Limit
      </button>
      <Dialog
        open={open}
        title={`Rate limit of "${name}"`}
        onClose={() => {
          setOpen(false);
          form.reset();
        }}
        onClosed={() => {
          if (saved.current) onSaved();
          saved.current = false;
        }}
      >
        <form ref={form.ref} onSubmit={submit} noValidate>
          <p>Takes effect at the next request. Empty both fields to remove it.</p>
          <FormAlert form={form} />
          <RateLimitFields form={form} value={value} onChange={setValue} />
          <FormDialogActions form={form} onCancel={() => setOpen(false)}>
            Save limit
          </FormDialogActions>
        </form>
      </Dialog>
    </>
  );
}

const DAYS = 30;
const DAY_MS = 86_400_000;
const WIDTH = 120;
const HEIGHT = 24;

/** Requests and refusals per day, oldest first, from the sparse hours of the answer. */
export function dailyUsage(usage: TokenUsage, now = Date.now()): Array<{ requests: number; refusals: number }> {
  const today = Math.floor(now / DAY_MS);
  const days = Array.from({ length: DAYS }, () => ({ requests: 0, refusals: 0 }));
  for (const bucket of usage.buckets) {
    const index = DAYS - 1 - (today - Math.floor(Date.parse(bucket.hour) / DAY_MS));
    if (index < 0 || index >= DAYS) continue;
    days[index].requests += bucket.requests;
    days[index].refusals += bucket.refusals;
  }
  return days;
}

/** A bar per day of the last 30: requests, with the refused part in the warning colour. No chart library. */
export function UsageChart({ load, deps }: { load: () => Promise<TokenUsage>; deps: unknown[] }) {
  const usage = useLoad(load, deps);
  if (usage.problem) return <span className="muted small">Usage unavailable</span>;
  if (!usage.data) return <span className="muted small">…</span>;
  if (usage.data.hidden) return <span className="muted small">Not shown: used in other workspaces too</span>;
  const days = dailyUsage(usage.data);
  const peak = Math.max(1, ...days.map((d) => d.requests));
  const { requests, refusals } = usage.data.totals;
  const label = `${requests.toLocaleString()} requests, ${refusals.toLocaleString()} refused, in the last ${DAYS} days`;
  const barWidth = WIDTH / DAYS;
  return (
    <svg className="usage-chart" role="img" aria-label={label} width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`}>
      <title>{label}</title>
      {days.map((day, i) => {
        const total = (day.requests / peak) * HEIGHT;
        const refused = (day.refusals / peak) * HEIGHT;
        return (
          <g key={i}>
            {day.requests > 0 && (
              <rect x={i * barWidth} y={HEIGHT - total} width={barWidth - 1} height={Math.max(total, 1)} className="usage-bar" />
            )}
            {day.refusals > 0 && (
              <rect x={i * barWidth} y={HEIGHT - refused} width={barWidth - 1} height={Math.max(refused, 1)} className="usage-refused" />
            )}
          </g>
        );
      })}
      <line x1={0} y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} className="usage-axis" />
    </svg>
  );
}
