import { ScimError } from '../errors/scim-error';

/**
 * Text Postgres cannot store (a NUL character) or that is not Unicode at all (a UTF-16
 * surrogate without its pair, invalid UTF-8). Such input is a permanent fault of the request:
 * it is refused with a 400 at the door instead of failing in the database and being retried.
 */

/** Deeper JSON than any SCIM body needs (a Bulk PATCH is about 8 levels); also bounds recursion later on. */
export const MAX_JSON_DEPTH = 32;

// NUL is the point of this pattern.
// eslint-disable-next-line no-control-regex
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface UnsafeCharacter {
  /** 0-based UTF-16 offset. */
  index: number;
  /** e.g. "a NUL character (U+0000)". */
  description: string;
}

/** The first character of `text` that cannot be stored, if any. */
export function unsafeCharacterIn(text: string): UnsafeCharacter | undefined {
  const match = UNSAFE.exec(text);
  if (!match) return undefined;
  const code = match[0].charCodeAt(0);
  const description =
    code === 0 ? 'a NUL character (U+0000)' : `an unpaired surrogate (U+${code.toString(16).toUpperCase()})`;
  return { index: match.index, description };
}

/** The same text with every unsafe character replaced by U+FFFD, for logs and error records. */
export function storableText(text: string): string {
  return unsafeCharacterIn(text) ? text.replace(new RegExp(UNSAFE.source, 'g'), '\uFFFD') : text;
}

/**
 * Checks a parsed JSON body: every key and string is storable text and nesting stays within
 * MAX_JSON_DEPTH. Iterative, so that no body can exhaust the stack. Throws 400 naming where.
 */
export function assertStorableJson(value: unknown): void {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item.value === 'string') {
      const bad = unsafeCharacterIn(item.value);
      if (bad) throw unsafeValue(bad, `the value of ${where(item.path)}`);
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= MAX_JSON_DEPTH) {
      throw ScimError.badRequest(
        'invalidSyntax',
        `The request body is nested more than ${MAX_JSON_DEPTH} levels deep (at ${where(item.path)}); SCIM bodies need far fewer.`,
      );
    }
    if (Array.isArray(item.value)) {
      item.value.forEach((element, index) =>
        pending.push({ value: element, path: `${item.path}[${index}]`, depth: item.depth + 1 }),
      );
      continue;
    }
    for (const [key, element] of Object.entries(item.value)) {
      const path = item.path === '' ? key : `${item.path}.${key}`;
      const bad = unsafeCharacterIn(key);
      if (bad) throw unsafeValue(bad, `the attribute name ${JSON.stringify(storableText(path))}`);
      pending.push({ value: element, path, depth: item.depth + 1 });
    }
  }
}

function where(path: string): string {
  return path === '' ? 'the top level' : `"${storableText(path)}"`;
}

function unsafeValue(bad: UnsafeCharacter, where: string): ScimError {
  return ScimError.badRequest(
    'invalidValue',
    `The request contains ${bad.description} in ${where}, at character ${bad.index + 1}. Text must be valid Unicode without NUL characters; remove or replace it.`,
  );
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks a request target (path and query string, as received): after percent-decoding it must
 * be UTF-8 text without NUL. Malformed escapes such as `%ZZ` are left to the router and the query
 * parser, which treat them as literal text.
 */
export function assertStorableUrl(url: string): void {
  // Only a NUL, a byte from %80 up, or a character past ASCII can make it unsafe: escapes %01-%7F
  // (every filter's `%20` and `%22`) decode to ASCII, which is always valid UTF-8.
  if (!url.includes('\0') && !/%(?:00|[89a-fA-F][0-9a-fA-F])|[\u0080-\uffff]/.test(url)) return;
  const bytes: number[] = [];
  for (let i = 0; i < url.length; i++) {
    const char = url.charCodeAt(i);
    const escaped = char === 0x25 ? /^[0-9a-fA-F]{2}$/.exec(url.slice(i + 1, i + 3)) : null;
    if (escaped) {
      bytes.push(parseInt(escaped[0], 16));
      i += 2;
    } else if (char < 0x100) {
      // Node hands over the request line's bytes one per character (latin1).
      bytes.push(char);
    } else {
      bytes.push(...new TextEncoder().encode(url[i]));
    }
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw ScimError.badRequest(
      'invalidValue',
      'The request URL contains %00, a NUL character, which no id, path or query parameter may hold.',
    );
  }
  try {
    UTF8.decode(Uint8Array.from(bytes));
  } catch {
    throw ScimError.badRequest(
      'invalidSyntax',
      'The request URL is not valid UTF-8 once percent-decoded (e.g. %FF, or a lone %C3); encode ids and query values as UTF-8.',
    );
  }
}
