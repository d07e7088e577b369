// How the table-driven specs of the rules (src/authorization/*.spec.ts) read a rule's answer.
import { DomainError } from '../../src/common/errors';

/**
 * What the rule answers: what it returns ('allowed' for nothing), or the refusal's code, detail and
 * field errors (anything but a DomainError is rethrown).
 */
export function verdict(rule: () => unknown) {
  try {
    return rule() ?? 'allowed';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { code: error.code, detail: error.detail, errors: error.extras.errors };
  }
}
