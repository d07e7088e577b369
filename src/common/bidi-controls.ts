// Bidirectional embedding, override and isolate controls (U+202A..U+202E, U+2066..U+2069). They reorder
// the text around them, so a name holding one shows as something else wherever it lands ("Payroll
// \u202Efdp.exe" reads "Payroll exe.pdf"), in a mail's subject above all. Names refuse them
// (NonBlankString) and mail drops them (mail-templates.ts), for names stored before names refused them.
// The marks (LRM, RLM, ALM) and the joiners (ZWJ, ZWNJ) stay: they shape a name, not its neighbours.

/** The controls as a character class body, escaped (the OpenAPI document states it as written here). */
export const BIDI_CONTROLS = '\\u202a-\\u202e\\u2066-\\u2069';

const ANY_BIDI_CONTROL = new RegExp(`[${BIDI_CONTROLS}]`, 'g');

/** `text` without bidirectional embedding, override or isolate controls. */
export function withoutBidiControls(text: string): string {
  return text.replace(ANY_BIDI_CONTROL, '');
}
