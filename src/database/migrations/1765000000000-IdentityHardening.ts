import { MigrationInterface, QueryRunner } from 'typeorm';
import { domainToASCII } from 'node:url';

/**
 * Audit findings H1, M2, L2, L7 (docs/security.md):
 * - users.email_verified_at: for email verification, not built yet (docs/security.md, Known limits); platform admins by email and the
 *   invitee's own view of invitations read it. Null for everyone here.
 * - users.email and invitations.email in one canonical form, compared with plain equality; the unique
 *   index moves from lower(email) to email.
 * - invitations.invited_by_api_user_id: an API user's invitation is re-checked against its rights at accept.
 */
export class IdentityHardening1765000000000 implements MigrationInterface {
  name = 'IdentityHardening1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN email_verified_at timestamptz`);
    await q.query(`ALTER TABLE invitations ADD COLUMN invited_by_api_user_id uuid REFERENCES api_users (id) ON DELETE SET NULL`);

    // Canonical forms in JS (the database's lower() depends on its collation), then one UPDATE per table.
    const users: Array<{ id: string; email: string }> = await q.query(`SELECT id, email FROM users ORDER BY created_at, id`);
    // Two accounts whose addresses fold together: the one already in canonical form keeps it, else the
    // oldest; the others keep their address as stored (no login matches it) for an operator to resolve.
    const taken = new Set(users.filter((u) => canonicalEmail(u.email) === u.email).map((u) => u.email));
    const changes: Array<{ id: string; email: string }> = [];
    for (const user of users) {
      const canonical = canonicalEmail(user.email);
      if (canonical === user.email || taken.has(canonical)) continue;
      taken.add(canonical);
      changes.push({ id: user.id, email: canonical });
    }
    await q.query(`DROP INDEX users_email_lower_key`);
    await updateEmails(q, 'users', changes);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);

    const invitations: Array<{ id: string; email: string }> = await q.query(`SELECT id, email FROM invitations`);
    await updateEmails(
      q,
      'invitations',
      invitations.filter((i) => canonicalEmail(i.email) !== i.email).map((i) => ({ id: i.id, email: canonicalEmail(i.email) })),
    );
    await q.query(`DROP INDEX invitations_email`);
    await q.query(`CREATE INDEX invitations_email ON invitations (email)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX invitations_email`);
    await q.query(`CREATE INDEX invitations_email ON invitations (lower(email))`);
    await q.query(`DROP INDEX users_email_key`);
    await q.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await q.query(`ALTER TABLE invitations DROP COLUMN invited_by_api_user_id`);
    await q.query(`ALTER TABLE users DROP COLUMN email_verified_at`);
  }
}

async function updateEmails(q: QueryRunner, table: 'users' | 'invitations', rows: Array<{ id: string; email: string }>): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const batch = rows.slice(i, i + 1000);
    await q.query(`UPDATE ${table} t SET email = v.email FROM unnest($1::uuid[], $2::text[]) AS v(id, email) WHERE t.id = v.id`, [
      batch.map((r) => r.id),
      batch.map((r) => r.email),
    ]);
  }
}

/** A frozen copy of src/accounts/email-address.ts canonicalEmail() as of this migration: migrations do not follow later code. */
function canonicalEmail(raw: string): string {
  const folded = raw.normalize('NFKC').toLowerCase().normalize('NFKC').trim();
  const at = folded.lastIndexOf('@');
  if (at < 0) return folded;
  const domain = folded.slice(at + 1);
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(domain)) return folded;
  const ascii = domainToASCII(domain);
  return ascii ? `${folded.slice(0, at)}@${ascii}` : folded;
}
