import { mailboxOf, ownAddressApartOf } from './mailbox-limit';

describe('budget keys', () => {
  it('mailboxOf: every +tag of a mailbox counts as the mailbox', () => {
    expect(['victim@corp.test', 'victim+1@corp.test', 'victim+@corp.test'].map(mailboxOf)).toEqual(Array(3).fill('victim@corp.test'));
  });

  it('ownAddressApartOf: the untagged address alone, all its +tags together (review 8 B2)', () => {
    const own = ownAddressApartOf('victim@corp.test');
    const tags = ['victim+1@corp.test', 'victim+x5@corp.test', 'victim+@corp.test'].map(ownAddressApartOf);
    expect(own).toBe('victim@corp.test');
    expect(new Set(tags).size).toBe(1);
    expect(tags[0]).not.toBe(own);
    expect(ownAddressApartOf('other@corp.test')).not.toBe(own);
  });
});
