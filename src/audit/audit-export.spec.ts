import { csvCell, toAuditCsv } from './audit-export';

describe('csvCell', () => {
  it.each([
    [null, ''],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['{"name":"=1+1"}', '"{""name"":""=1+1""}"'],
  ])('%j -> %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});

describe('toAuditCsv', () => {
  it('writes a header and one CRLF row per event', () => {
    const csv = toAuditCsv([
      {
        id: 'e1',
        action: 'token.revoked',
        workspaceId: 'w',
        actor: { type: 'user', id: 'u', tokenId: null },
        target: { type: 'token', id: 't' },
        ip: '127.0.0.1',
        details: { kind: 'named' },
        createdAt: new Date('2026-12-01T00:00:00Z'),
      },
    ]);
    expect(csv).toBe(
      'id,createdAt,action,actorType,actorId,actorTokenId,targetType,targetId,ip,details\r\n' +
        'e1,2026-12-01T00:00:00.000Z,token.revoked,user,u,,token,t,127.0.0.1,"{""kind"":""named""}"\r\n',
    );
  });
});
