import { WorkspaceScoped } from './workspace-scoped';

describe('WorkspaceScoped', () => {
  @WorkspaceScoped({ notScoped: ['byUser'] })
  class Rows {
    find(workspaceId: string, id: string) {
      return `${workspaceId}/${id}`;
    }
    byUser(userId: string) {
      return userId;
    }
  }

  it('refuses an empty or missing workspace id before the method runs, and passes every argument through', () => {
    const rows = new Rows();
    expect(rows.find('w', 'x')).toBe('w/x');
    expect(() => rows.find('', 'x')).toThrow(/required/);
    expect(() => rows.find(undefined as unknown as string, 'x')).toThrow(/required/);
  });

  it('leaves the methods it is told are not scoped alone', () => {
    expect(new Rows().byUser('')).toBe('');
  });

  it('fails at start-up on a name that is no method (a typo would leave the real one unchecked)', () => {
    expect(() => WorkspaceScoped({ notScoped: ['nope'] })(class {})).toThrow(/nope/);
  });
});
