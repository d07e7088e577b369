// Forms that show the API's problem+json errors next to the fields they concern, and move focus
// to the first field that needs attention after a failed submit.
import {
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type FormEvent,
  type InputHTMLAttributes,
  type ReactNode,
  type RefObject,
} from 'react';
import { ApiError, toProblem } from '../api/client';
import type { FieldProblem, Problem } from '../api/models';
import { readableFieldMessage } from '../messages';
import { Alert } from './feedback';

export interface FieldMessage {
  text: string;
  /** A whole sentence (a conflict's detail) rather than a phrase that follows the field's label. */
  standalone: boolean;
}

export interface FormOptions {
  /** The API field names this form shows; an error on "deviceAccess.deviceIds" goes to "deviceAccess.deviceIds" or else "deviceAccess". */
  fields: string[];
  /** The field a 409 conflict concerns (a taken serial, slug, email or name). */
  conflictField?: string;
}

export interface Form {
  id: string;
  ref: RefObject<HTMLFormElement | null>;
  errors: Record<string, FieldMessage>;
  problem: Problem | null;
  unmatched: FieldProblem[];
  submitting: boolean;
  /** Wraps a submit handler: prevents the page load, runs the action, shows what failed. */
  handleSubmit: (action: () => Promise<void>) => (event: FormEvent) => void;
  fieldId: (name: string) => string;
  reset: () => void;
}

/** Thrown by a submit handler for errors found before asking the server, by field. */
export class InvalidInput extends Error {
  constructor(readonly errors: Record<string, string>) {
    super('Some fields need attention before this can be sent.');
    this.name = 'InvalidInput';
  }
}

export function fieldTarget(field: string, fields: string[]): string | null {
  if (fields.includes(field)) return field;
  // "scopes.0" or "deviceAccess.mode" belong to the closest field the form has.
  const parents = fields.filter((f) => field.startsWith(`${f}.`)).sort((a, b) => b.length - a.length);
  return parents[0] ?? null;
}

export function useForm(options: FormOptions): Form {
  const id = useId().replace(/[^\w-]/g, '');
  const ref = useRef<HTMLFormElement>(null);
  const [errors, setErrors] = useState<Record<string, FieldMessage>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [unmatched, setUnmatched] = useState<FieldProblem[]>([]);
  const [submitting, setSubmitting] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    if (focusRequest === 0) return;
    const form = ref.current;
    let target = form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form?.querySelector<HTMLElement>('[data-form-alert]');
    // A radio group is marked as a whole; its first button takes the focus.
    if (target?.tagName === 'FIELDSET') target = target.querySelector<HTMLElement>('input, select, textarea') ?? target;
    target?.focus();
  }, [focusRequest]);

  const reset = useCallback(() => {
    setErrors({});
    setProblem(null);
    setUnmatched([]);
  }, []);

  const showError = useCallback((error: unknown) => {
    const { fields, conflictField } = optionsRef.current;
    const found: Record<string, FieldMessage> = {};
    const rest: FieldProblem[] = [];
    let p = toProblem(error);
    if (error instanceof InvalidInput) {
      for (const [field, text] of Object.entries(error.errors)) found[field] = { text, standalone: false };
      p = { title: 'Check the form', status: 0, detail: error.message };
    } else if (error instanceof ApiError) {
      for (const fe of error.fieldErrors) {
        const target = fieldTarget(fe.field, fields);
        if (target && !found[target]) found[target] = { text: fe.message, standalone: false };
        else if (!target) rest.push(fe);
      }
      if (error.status === 409 && conflictField && fields.includes(conflictField)) {
        found[conflictField] = { text: p.detail ?? p.title, standalone: true };
      }
    }
    setErrors(found);
    setUnmatched(rest);
    setProblem(p);
    setFocusRequest((n) => n + 1);
  }, []);

  const handleSubmit = useCallback(
    (action: () => Promise<void>) => (event: FormEvent) => {
      event.preventDefault();
      if (submitting) return;
      setSubmitting(true);
      action()
        .then(() => reset())
        .catch(showError)
        .finally(() => setSubmitting(false));
    },
    [reset, showError, submitting],
  );

  const fieldId = useCallback((name: string) => `${id}-${name.replace(/[^\w-]/g, '-')}`, [id]);

  return { id, ref, errors, problem, unmatched, submitting, handleSubmit, fieldId, reset };
}

/** The form's alert: the problem's detail, and errors on fields the form does not show. */
export function FormAlert({ form }: { form: Form }) {
  if (!form.problem) return null;
  const fieldCount = Object.keys(form.errors).length;
  // When the fields say what is wrong, the alert only sums up: the detail would say it twice.
  const problem = fieldCount > 0 ? { ...form.problem, detail: undefined } : form.problem;
  return (
    <Alert problem={problem} focusable>
      {fieldCount > 0 && <p>{fieldCount === 1 ? 'One field needs attention.' : `${fieldCount} fields need attention.`}</p>}
      {form.unmatched.length > 0 && (
        <ul>
          {form.unmatched.map((e) => (
            <li key={`${e.field}:${e.message}`}>
              <code>{e.field}</code> {readableFieldMessage(e.message)}
            </li>
          ))}
        </ul>
      )}
    </Alert>
  );
}

export function FieldError({ id, label, message }: { id: string; label: string; message: FieldMessage | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="field-error">
      <span className="field-error-icon" aria-hidden="true">
        !
      </span>
      <span className="visually-hidden">Error: </span>
      {message.standalone ? message.text : `${label} ${readableFieldMessage(message.text)}`}
    </p>
  );
}

function describedBy(...ids: Array<string | false | undefined>): string | undefined {
  const list = ids.filter(Boolean);
  return list.length ? list.join(' ') : undefined;
}

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'form' | 'name' | 'value' | 'onChange' | 'id'> {
  form: Form;
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
  optional?: boolean;
  multiline?: boolean;
  rows?: number;
}

export function TextField({ form, name, label, value, onChange, hint, optional, multiline, rows = 4, className, ...rest }: TextFieldProps) {
  const id = form.fieldId(name);
  const error = form.errors[name];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  const common = {
    id,
    name,
    value,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy(hintId, error && errorId),
  } as const;
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="optional"> (optional)</span>}
      </label>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {multiline ? (
        <textarea {...common} rows={rows} onChange={(e) => onChange(e.target.value)} spellCheck={false} />
      ) : (
        <input {...common} {...rest} onChange={(e) => onChange(e.target.value)} />
      )}
      <FieldError id={errorId} label={label} message={error} />
    </div>
  );
}

interface SelectFieldProps {
  form: Form;
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: Array<{ value: string; label: string }>;
  hint?: ReactNode;
}

export function SelectField({ form, name, label, value, onChange, options, hint }: SelectFieldProps) {
  const id = form.fieldId(name);
  const error = form.errors[name];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      <select
        id={id}
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hintId, error && errorId)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError id={errorId} label={label} message={error} />
    </div>
  );
}

export interface Choice<V extends string = string> {
  value: V;
  label: ReactNode;
  description?: ReactNode;
  disabled?: boolean;
}

interface ChoiceGroupProps<V extends string> {
  form: Form;
  name: string;
  legend: string;
  hint?: ReactNode;
  choices: Array<Choice<V>>;
  /** Shown when there is nothing to choose from. */
  empty?: ReactNode;
  compact?: boolean;
}

/** Checkboxes for a list field (scopes, roleIds, deviceIds): a fieldset with a legend and one error. */
export function CheckboxGroup<V extends string>({
  form,
  name,
  legend,
  hint,
  choices,
  value,
  onChange,
  empty,
  compact,
}: ChoiceGroupProps<V> & { value: V[]; onChange: (value: V[]) => void }) {
  const id = form.fieldId(name);
  const error = form.errors[name];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  const toggle = (v: V, on: boolean) => onChange(on ? [...value, v] : value.filter((x) => x !== v));
  return (
    <fieldset className={`field choices${compact ? ' compact' : ''}`} aria-describedby={describedBy(hintId, error && errorId)}>
      <legend>{legend}</legend>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {choices.length === 0 && empty}
      <div className="choice-list">
        {choices.map((c, i) => (
          <div className="choice" key={c.value}>
            <input
              type="checkbox"
              id={`${id}-${i}`}
              name={name}
              value={c.value}
              checked={value.includes(c.value)}
              disabled={c.disabled}
              onChange={(e) => toggle(c.value, e.target.checked)}
              aria-invalid={error ? true : undefined}
              aria-describedby={c.description ? `${id}-${i}-desc` : undefined}
            />
            <label htmlFor={`${id}-${i}`}>{c.label}</label>
            {c.description && (
              <span id={`${id}-${i}-desc`} className="choice-description">
                {c.description}
              </span>
            )}
          </div>
        ))}
      </div>
      <FieldError id={errorId} label={legend} message={error} />
    </fieldset>
  );
}

/** One choice among a few, as radio buttons. */
export function RadioGroup<V extends string>({
  form,
  name,
  legend,
  hint,
  choices,
  value,
  onChange,
}: ChoiceGroupProps<V> & { value: V; onChange: (value: V) => void }) {
  const id = form.fieldId(name);
  const error = form.errors[name];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  return (
    <fieldset
      className="field choices"
      role="radiogroup"
      aria-describedby={describedBy(hintId, error && errorId)}
      aria-invalid={error ? true : undefined}
    >
      <legend>{legend}</legend>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      <div className="choice-list">
        {choices.map((c, i) => (
          <div className="choice" key={c.value}>
            <input
              type="radio"
              id={`${id}-${i}`}
              name={`${form.id}-${name}`}
              value={c.value}
              checked={value === c.value}
              onChange={() => onChange(c.value)}
            />
            <label htmlFor={`${id}-${i}`}>{c.label}</label>
            {c.description && <span className="choice-description">{c.description}</span>}
          </div>
        ))}
      </div>
      <FieldError id={errorId} label={legend} message={error} />
    </fieldset>
  );
}

export function Checkbox({
  form,
  name,
  label,
  checked,
  onChange,
  hint,
}: {
  form: Form;
  name: string;
  label: string;
  checked: boolean;
  onChange: (on: boolean) => void;
  hint?: ReactNode;
}) {
  const id = form.fieldId(name);
  const error = form.errors[name];
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="field choice single">
      <input
        type="checkbox"
        id={id}
        name={name}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hintId, error && errorId)}
      />
      <label htmlFor={id}>{label}</label>
      {hint && (
        <span id={hintId} className="choice-description">
          {hint}
        </span>
      )}
      <FieldError id={errorId} label={label} message={error} />
    </div>
  );
}

export function SubmitButton({
  form,
  children,
  busyText = 'Working…',
  variant = 'primary',
}: {
  form: Form;
  children: ReactNode;
  busyText?: string;
  variant?: 'primary' | 'secondary' | 'danger';
}) {
  return (
    <button type="submit" className={`button ${variant}`} aria-disabled={form.submitting || undefined}>
      {form.submitting ? busyText : children}
    </button>
  );
}

/** A dialog form's Cancel (when it can be cancelled) and submit buttons, as every dialog shows them. */
export function FormDialogActions({ form, onCancel, children }: { form: Form; onCancel?: () => void; children: ReactNode }) {
  return (
    <div className="dialog-actions">
      {onCancel && (
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      )}
      <SubmitButton form={form}>{children}</SubmitButton>
    </div>
  );
}
