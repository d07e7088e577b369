import { Token } from './token.entity';
import { toTokenView } from './token.view';

const now = new Date('2026-12-04T12:00:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

function token(fields: Partial<Token>): Token {
  return Object.assign(new Token(), {
    id: 't',
    kind: 'named',
    createdAt: at(-3600),
    expiresAt: null,
    revokedAt: null,
    replacedById: null,
    ...fields,
  });
}

describe('toTokenView: a rotated-out secret in its grace period', () => {
  it('is live: revokedAt null, expiring at the end of grace', () => {
    expect(toTokenView(token({ revokedAt: at(60), expiresAt: at(86_400), replacedById: 'n' }), now)).toMatchObject({
      revokedAt: null,
      expiresAt: at(60),
    });
    expect(toTokenView(token({ revokedAt: at(60), expiresAt: null, replacedById: 'n' }), now)).toMatchObject({
      revokedAt: null,
      expiresAt: at(60),
    });
  });

  it('keeps an expiry that comes before the end of grace', () => {
    expect(toTokenView(token({ revokedAt: at(600), expiresAt: at(30), replacedById: 'n' }), now)).toMatchObject({
      revokedAt: null,
      expiresAt: at(30),
    });
  });

  it('shows a revocation that has happened as it is', () => {
    expect(toTokenView(token({ revokedAt: at(-1), expiresAt: at(30) }), now)).toMatchObject({ revokedAt: at(-1), expiresAt: at(30) });
    expect(toTokenView(token({ revokedAt: now, expiresAt: null }), now)).toMatchObject({ revokedAt: now, expiresAt: null });
  });
});
