// The one form of an email address: what is stored in users.email and invitations.email, and what every
// lookup and comparison uses (plain equality, in SQL and in JS). Two addresses that display alike are
// either the same canonical string or refused at the door.
import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsEmail,
  IsString,
  MaxLength,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { domainToASCII } from 'node:url';

/** The longest address stored or looked up (RFC 5321's path limit less its angle brackets). */
export const EMAIL_MAX_LENGTH = 254;

/**
 * Characters that show nothing or steer the display: format characters (zero-width joiner and
 * non-joiner, bidi controls, soft hyphen, BOM), controls, line and paragraph separators, and every
 * default-ignorable code point (variation selectors, Hangul fillers, combining grapheme joiner, tags).
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
/**
 * Quoting before the @: `"victim"@x`, `"\victim"@x` and `"v\ictim"@x` are all the mailbox victim@x
 * (RFC 5321 4.1.2), yet differ as strings, so each would be an account and a mail budget of its own.
 * Nobody needs them; they fail OpenAPI's `format: email` as well.
 */
const QUOTING = /["\\]/;

/**
 * NFKC (fullwidth and other compatibility forms fold to ASCII, NFD composes), trimmed, lower case;
 * an internationalised domain becomes its punycode A-label (`xn--…`), which cannot pass for a Latin one.
 * Total and idempotent: it never refuses; emailProblem() decides what may be stored.
 * Login uses this form too: an address that was refused can never match a stored one.
 * A value too long to be an address is returned as sent, for MaxLength to refuse (tooLongToNormalise).
 */
export function canonicalEmail(raw: string): string {
  return tooLongToNormalise(raw) ? raw : normalised(raw);
}

/**
 * Why an address (as sent) may not be stored, or null. Invisible and format characters are refused
 * outright. The part before the @ must be ASCII: that one rule rules out every look-alike mailbox
 * (Cyrillic а, Greek ο, dotless ı, combining accents) without confusable tables, and internationalised
 * mailboxes (RFC 6531) are rare and not deliverable by most mail systems anyway. A quoted local part
 * and backslash escapes are refused too (QUOTING): one mailbox, one string. A Unicode domain is
 * accepted and stored as its A-label, so it displays unambiguously.
 */
export function emailProblem(raw: string): string | null {
  return examineEmail(raw).problem;
}

/**
 * Normalising costs more than the input's length: NFKC turns one U+FDFA into 18 characters and UTS 46
 * then works on the grown domain, so a megabyte of them held the event loop for up to two seconds,
 * anonymously. An address sent longer than EMAIL_MAX_LENGTH is refused as sent, before any of that,
 * even where its canonical form would be shorter (trimmed spaces, composed accents).
 */
function tooLongToNormalise(raw: string): boolean {
  return raw.length > EMAIL_MAX_LENGTH;
}

/** The canonical form and its problem (or null), from one normalisation. */
function examineEmail(raw: string): { email: string; problem: string | null } {
  // Left as sent: MaxLength says what is wrong with it, and IsEmail refuses it as well.
  if (tooLongToNormalise(raw)) return { email: raw, problem: null };
  if (INVISIBLE.test(raw)) return { email: raw, problem: 'must not contain invisible or formatting characters' };
  const email = normalised(raw);
  if (INVISIBLE.test(email)) return { email, problem: 'must not contain invisible or formatting characters' };
  const at = email.lastIndexOf('@');
  if (at < 0) return { email, problem: null }; // not an address at all: @IsEmail says so
  const local = email.slice(0, at);
  if (!ASCII.test(local)) return { email, problem: 'must use only ASCII characters before the @' };
  if (QUOTING.test(local)) return { email, problem: 'must not use a quoted local part or a backslash before the @' };
  if (!ASCII.test(email.slice(at + 1))) return { email, problem: 'must have a valid domain name' };
  return { email, problem: null };
}

function normalised(raw: string): string {
  const folded = raw.normalize('NFKC').toLowerCase().normalize('NFKC').trim();
  const at = folded.lastIndexOf('@');
  if (at < 0) return folded;
  const domain = folded.slice(at + 1);
  if (ASCII.test(domain)) return folded;
  const ascii = domainToASCII(domain);
  return ascii ? `${folded.slice(0, at)}@${ascii}` : folded;
}

/**
 * For a DTO field that will be stored as an address (register, invite): canonicalised before it is
 * validated, so the stored form, its length and its format are all checked on what is kept.
 */
export function EmailAddressField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ format: 'email', maxLength: EMAIL_MAX_LENGTH }),
    // An address with a problem is left as sent, for StorableEmail to name the problem (canonicalising
    // would trim a leading BOM, say, and hide it).
    Transform(({ value }) => {
      if (typeof value !== 'string') return value;
      const { email, problem } = examineEmail(value);
      return problem === null ? email : value;
    }),
    IsString(),
    MaxLength(EMAIL_MAX_LENGTH),
    Validate(StorableEmail),
    IsEmail({}, { message: 'must be an email address' }),
  );
}

/** For a field only looked up (login): the same canonical form, nothing refused (a refused address matches nobody). */
export function EmailLookupField(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' ? canonicalEmail(value) : value));
}

@ValidatorConstraint({ name: 'storableEmail' })
class StorableEmail implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value !== 'string' || emailProblem(value) === null;
  }

  defaultMessage(args: ValidationArguments): string {
    return (typeof args.value === 'string' && emailProblem(args.value)) || 'must be an email address';
  }
}
