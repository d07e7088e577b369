import { canonicalEmail, emailProblem } from './email-address';

describe('emailProblem', () => {
  it.each([
    '"victim"@corp.test',
    '"\\victim"@corp.test',
    '"v\\ictim"@corp.test',
    'v\\ictim@corp.test',
    '"a@b"@corp.test',
    '\uff02victim\uff02@corp.test',
  ])('refuses the quoting of %j: one mailbox, one string (review 8 B1)', (email) => {
    expect(emailProblem(email)).toBe('must not use a quoted local part or a backslash before the @');
  });

  it('accepts a plain address and its +tag, and canonicalises them as before', () => {
    for (const email of ['victim@corp.test', 'victim+tag@corp.test', "o'brien@corp.test"]) {
      expect(emailProblem(email)).toBeNull();
      expect(canonicalEmail(email)).toBe(email);
    }
  });
});
