// The User-Agent a session was signed in with: kept short and printable, and told as "Firefox on Linux".
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** What is kept of a User-Agent header: real browsers send about 150 characters. */
export const USER_AGENT_MAX_LENGTH = 256;
/** The longest description describeUserAgent() gives. */
export const DEVICE_DESCRIPTION_MAX_LENGTH = 80;

// Control characters (C0, DEL, C1) and the invisible and bidirectional format characters that could
// make a stored header read as something else on a page.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;

/** The header as kept: printable, trimmed, at most USER_AGENT_MAX_LENGTH characters; null when none is left. */
export function keptUserAgent(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string') return null;
  const kept = [...value.replace(UNPRINTABLE, '').trim()].slice(0, USER_AGENT_MAX_LENGTH).join('').trim();
  return kept === '' ? null : kept;
}

/** The request's User-Agent, as kept (keptUserAgent). */
export const ClientUserAgent = createParamDecorator((_data: unknown, ctx: ExecutionContext): string | null =>
  keptUserAgent(ctx.switchToHttp().getRequest<FastifyRequest>().headers['user-agent']),
);

// First match wins: Edge and Opera also say Chrome, Chrome also says Safari.
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\b(?:OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\b(?:Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/\bWindows\b/, 'Windows'],
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * A readable name for a kept User-Agent: "Firefox on Linux", "Safari on iPhone", or for a program its
 * own first word ("curl/8.5.0"); null when there is none.
 */
export function describeUserAgent(userAgent: string | null): string | null {
  if (userAgent === null) return null;
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser) return system ? `${browser} on ${system}` : browser;
  const product = userAgent.split(/\s/)[0];
  const named = product.startsWith('Mozilla/') ? 'A browser' : product;
  const described = system ? `${named} on ${system}` : named;
  return [...described].slice(0, DEVICE_DESCRIPTION_MAX_LENGTH).join('');
}
