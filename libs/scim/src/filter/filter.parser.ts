import { ScimError } from '../errors/scim-error';
import { unsafeCharacterIn } from '../input/unsafe-text';
import { parseAttrPath, type AttrPath } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../schema/urns';
import type { CompareOperator, Filter, FilterValue } from './filter.ast';

/**
 * RFC 7644 §3.4.2.2 filter parser: a small tokenizer and a recursive-descent parser.
 *
 *   filter   = or
 *   or       = and *("or" and)                 left-associative
 *   and      = unary *("and" unary)            left-associative, binds tighter than "or"
 *   unary    = "not" "(" or ")" / "(" or ")" / attrExp / valuePath
 *   attrExp  = attrPath "pr" / attrPath compareOp value
 *   valuePath= attrPath "[" or "]" [ "." subAttr ( "pr" / compareOp value ) ]   (the suffix is Entra's)
 *
 * Bad input always throws `invalidFilter`; nothing is ever parsed "as far as it goes", because a
 * filter that silently matches more than asked for is a data-loss bug in a provisioning service.
 */

export const MAX_FILTER_LENGTH = 10_000;
export const MAX_FILTER_DEPTH = 50;

/** URNs a path may be qualified with; listed so that the dots and colons inside them do not split the path. */
const KNOWN_URIS = [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA];

const COMPARE_OPERATORS: readonly CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const OPERATOR_LIST = 'eq, ne, co, sw, ew, gt, ge, lt, le, pr';

/** RFC 7643 ATTRNAME, plus the `$ref` style names of reference sub-attributes. */
const ATTRIBUTE_NAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;

export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) {
    throw filterError(
      MAX_FILTER_LENGTH,
      `the filter is ${text.length} characters long; the limit is ${MAX_FILTER_LENGTH}`,
    );
  }
  if (text.trim() === '') {
    throw filterError(0, 'the filter is empty; expected an expression such as userName eq "bjensen"');
  }
  const bad = unsafeCharacterIn(text);
  if (bad) throw filterError(bad.index, `${bad.description} cannot appear in a filter`);
  return new Parser(new Lexer(text)).parse();
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = '(' | ')' | '[' | ']' | 'word' | 'string' | 'end';

interface Token {
  kind: TokenKind;
  /** The token as written. */
  text: string;
  /** Decoded content of a quoted string. */
  value: string;
  /** 0-based offsets into the filter text. */
  start: number;
  end: number;
}

const PUNCTUATION = new Set(['(', ')', '[', ']']);

function isWhitespace(char: string): boolean {
  return /\s/.test(char);
}

function filterError(offset: number, message: string): ScimError {
  return ScimError.badRequest('invalidFilter', `Invalid filter at position ${offset + 1}: ${message}`);
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the filter';
    case 'string':
      return `the string ${quote(token.text)}`;
    default:
      return quote(token.text);
  }
}

/** Quotes text for an error message, shortened so a huge token cannot flood the response. */
function quote(text: string): string {
  return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
}

/**
 * Splits the filter into tokens on demand. Values get their own entry point (`value()`) because
 * an unquoted value is lexed differently: it runs to whitespace, ")" or "]".
 */
class Lexer {
  private offset = 0;
  private lookahead: Token | undefined;

  constructor(private readonly input: string) {}

  peek(): Token {
    this.lookahead ??= this.scan();
    return this.lookahead;
  }

  next(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    return token;
  }

  /** Reads a comparison value: a quoted string, a bare word, or whatever stands where it should be. */
  value(): Token {
    if (this.lookahead) {
      this.offset = this.lookahead.start;
      this.lookahead = undefined;
    }
    this.skipWhitespace();
    const start = this.offset;
    const char = this.input[start];
    if (char === undefined || char === '"' || PUNCTUATION.has(char)) return this.next();
    let end = start;
    while (
      end < this.input.length &&
      !isWhitespace(this.input[end]) &&
      this.input[end] !== ')' &&
      this.input[end] !== ']'
    ) {
      if (this.input[end] === '"') {
        throw filterError(
          end,
          'unexpected double quote inside an unquoted value; put the whole value in double quotes',
        );
      }
      end++;
    }
    this.offset = end;
    return this.token('word', start, end);
  }

  private scan(): Token {
    this.skipWhitespace();
    const start = this.offset;
    const char = this.input[start];
    if (char === undefined) return this.token('end', start, start);
    if (char === '"') return this.scanString(start);
    if (PUNCTUATION.has(char)) {
      this.offset = start + 1;
      return this.token(char as TokenKind, start, start + 1);
    }
    let end = start;
    while (
      end < this.input.length &&
      !isWhitespace(this.input[end]) &&
      !PUNCTUATION.has(this.input[end]) &&
      this.input[end] !== '"'
    )
      end++;
    this.offset = end;
    return this.token('word', start, end);
  }

  /** A JSON string (RFC 8259 §7), decoded. */
  private scanString(start: number): Token {
    let decoded = '';
    let at = start + 1;
    while (at < this.input.length) {
      const char = this.input[at];
      if (char === '"') {
        this.offset = at + 1;
        // An escape such as \u0000 decodes to text no attribute can hold.
        const bad = unsafeCharacterIn(decoded);
        if (bad) throw filterError(start, `the string holds ${bad.description}, which no attribute can contain`);
        return { ...this.token('string', start, at + 1), value: decoded };
      }
      if (char === '\\') {
        decoded += this.escape(at, start);
        at += this.input[at + 1] === 'u' ? 6 : 2;
      } else {
        decoded += char;
        at++;
      }
    }
    throw filterError(start, 'unterminated string: the string starting here has no closing double quote');
  }

  private escape(at: number, stringStart: number): string {
    const code = this.input[at + 1];
    switch (code) {
      case '"':
      case '\\':
      case '/':
        return code;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.input.slice(at + 2, at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex))
          throw filterError(at, 'invalid escape in a string: \\u must be followed by four hexadecimal digits');
        return String.fromCharCode(parseInt(hex, 16));
      }
      case undefined:
        throw filterError(stringStart, 'unterminated string: the string starting here has no closing double quote');
      default:
        throw filterError(
          at,
          `invalid escape "\\${code}" in a string; valid escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX`,
        );
    }
  }

  private skipWhitespace(): void {
    while (this.offset < this.input.length && isWhitespace(this.input[this.offset])) this.offset++;
  }

  private token(kind: TokenKind, start: number, end: number): Token {
    return { kind, text: this.input.slice(start, end), value: '', start, end };
  }
}

// ---------------------------------------------------------------------------------------------
// Grammar

class Parser {
  private depth = 0;

  constructor(private readonly lexer: Lexer) {}

  parse(): Filter {
    const filter = this.parseOr(undefined);
    const token = this.lexer.peek();
    if (token.kind === ')') throw filterError(token.start, 'unbalanced ")": there is no "(" for it to close');
    if (token.kind !== 'end')
      throw filterError(token.start, `expected "and", "or" or the end of the filter, found ${describe(token)}`);
    return filter;
  }

  /**
   * `valueFilter` is the "[" when parsing the filter of a value path: paths in there are
   * sub-attribute names of the multi-valued attribute, and value paths do not nest.
   */
  private parseOr(valueFilter: Token | undefined): Filter {
    let left = this.parseAnd(valueFilter);
    while (isKeyword(this.lexer.peek(), 'or')) {
      this.lexer.next();
      left = { type: 'or', left, right: this.parseAnd(valueFilter) };
    }
    return left;
  }

  private parseAnd(valueFilter: Token | undefined): Filter {
    let left = this.parseUnary(valueFilter);
    while (isKeyword(this.lexer.peek(), 'and')) {
      this.lexer.next();
      left = { type: 'and', left, right: this.parseUnary(valueFilter) };
    }
    return left;
  }

  private parseUnary(valueFilter: Token | undefined): Filter {
    const token = this.lexer.peek();
    if (token.kind === '(') {
      this.lexer.next();
      return this.parseGroup(token, valueFilter);
    }
    if (isKeyword(token, 'not')) {
      this.lexer.next();
      const open = this.lexer.next();
      if (open.kind !== '(')
        throw filterError(open.start, `expected "(" after "not" (write not (expression)), found ${describe(open)}`);
      return { type: 'not', filter: this.parseGroup(open, valueFilter) };
    }
    if (token.kind === 'word' && !isKeyword(token, 'and') && !isKeyword(token, 'or')) {
      return this.parseAttributeExpression(valueFilter);
    }
    throw filterError(token.start, `expected an attribute name, "not" or "(", found ${describe(token)}`);
  }

  /** The inside of "(...)", the "(" read. Parentheses inside a value filter keep its relative paths. */
  private parseGroup(open: Token, valueFilter: Token | undefined): Filter {
    return this.nested(open, () => {
      const filter = this.parseOr(valueFilter);
      this.expectClose(open, ')');
      return filter;
    });
  }

  private parseAttributeExpression(valueFilter: Token | undefined): Filter {
    const pathToken = this.lexer.next();
    const path = toAttrPath(pathToken, valueFilter);
    const next = this.lexer.peek();
    if (next.kind !== '[') return this.parseComparison(pathToken.text, path);
    if (valueFilter) {
      throw filterError(
        next.start,
        `value filters cannot be nested: ${quote(`${pathToken.text}[`)} is inside the "[" at position ${valueFilter.start + 1}`,
      );
    }
    return this.parseValuePath(pathToken, path);
  }

  /** `emails[type eq "work"]`, and Entra's `emails[type eq "work"].value eq "x"`. */
  private parseValuePath(pathToken: Token, path: AttrPath): Filter {
    const open = this.lexer.next();
    if (path.subAttr !== undefined) {
      throw filterError(
        pathToken.start,
        `a value filter "[...]" applies to a multi-valued attribute, not to the sub-attribute ${quote(pathToken.text)}`,
      );
    }
    const filter = this.nested(open, () => this.parseOr(open));
    const close = this.expectClose(open, ']');
    const suffix = this.lexer.peek();
    if (suffix.kind !== 'word' || !suffix.text.startsWith('.') || suffix.start !== close.end) {
      return { type: 'valuePath', path, filter };
    }
    this.lexer.next();
    const subName = suffix.text.slice(1);
    if (!ATTRIBUTE_NAME.test(subName)) {
      throw filterError(
        suffix.start + 1,
        `expected a sub-attribute name after ${quote(`${pathToken.text}[...].`)}, found ${subName === '' ? 'nothing' : quote(subName)}`,
      );
    }
    const comparison = this.parseComparison(`${pathToken.text}[...]${suffix.text}`, { name: subName });
    return { type: 'valuePath', path, filter: { type: 'and', left: filter, right: comparison } };
  }

  private parseComparison(subject: string, path: AttrPath): Filter {
    const operatorToken = this.lexer.next();
    const operator = operatorToken.kind === 'word' ? operatorToken.text.toLowerCase() : '';
    if (operator === 'pr') {
      this.expectNoValueAfterPresent(subject);
      return { type: 'present', path };
    }
    if (!isCompareOperator(operator)) {
      throw filterError(
        operatorToken.start,
        `expected a comparison operator (${OPERATOR_LIST}) after ${quote(subject)}, found ${describe(operatorToken)}`,
      );
    }
    return { type: 'compare', path, op: operator, value: this.parseValue(`${subject} ${operator}`) };
  }

  private expectNoValueAfterPresent(subject: string): void {
    const token = this.lexer.peek();
    const fine =
      token.kind === 'end' ||
      token.kind === ')' ||
      token.kind === ']' ||
      isKeyword(token, 'and') ||
      isKeyword(token, 'or');
    if (!fine) {
      throw filterError(
        token.start,
        `"pr" takes no value: expected "and", "or", ")" or the end of the filter after ${quote(`${subject} pr`)}, found ${describe(token)}`,
      );
    }
  }

  private parseValue(subject: string): FilterValue {
    const token = this.lexer.value();
    if (token.kind === 'string') return token.value;
    if (token.kind !== 'word') {
      throw filterError(
        token.start,
        `expected a value (a "quoted string", a number, true, false or null) after ${quote(subject)}, found ${describe(token)}`,
      );
    }
    return bareValue(token);
  }

  private expectClose(open: Token, kind: ')' | ']'): Token {
    const token = this.lexer.next();
    if (token.kind === kind) return token;
    const where = `to close the "${open.text}" at position ${open.start + 1}`;
    throw filterError(token.start, `expected "and", "or" or "${kind}" ${where}, found ${describe(token)}`);
  }

  /** Bounds the recursion so a hostile filter cannot exhaust the stack. */
  private nested<T>(open: Token, parse: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw filterError(
        open.start,
        `the filter nests parentheses or brackets more than ${MAX_FILTER_DEPTH} levels deep`,
      );
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }
}

function isKeyword(token: Token, keyword: 'and' | 'or' | 'not'): boolean {
  return token.kind === 'word' && token.text.toLowerCase() === keyword;
}

function isCompareOperator(text: string): text is CompareOperator {
  return (COMPARE_OPERATORS as readonly string[]).includes(text);
}

function toAttrPath(token: Token, valueFilter: Token | undefined): AttrPath {
  const path = parseAttrPath(token.text, KNOWN_URIS);
  const validUri = path.uri === undefined || /^urn:[^:]+/i.test(path.uri);
  const validSubAttr = path.subAttr === undefined || ATTRIBUTE_NAME.test(path.subAttr);
  if (!validUri || !ATTRIBUTE_NAME.test(path.name) || !validSubAttr) {
    throw filterError(
      token.start,
      `${quote(token.text)} is not a valid attribute path; expected a name such as userName, name.familyName or urn:ietf:params:scim:schemas:core:2.0:User:userName`,
    );
  }
  if (valueFilter && (path.uri !== undefined || path.subAttr !== undefined)) {
    throw filterError(
      token.start,
      `expected a sub-attribute name such as type or value inside the "[" at position ${valueFilter.start + 1}, found ${quote(token.text)}`,
    );
  }
  return path;
}

/** An unquoted value: true/false/null and JSON numbers are typed; any other word is a string (older Entra traffic). */
function bareValue(token: Token): FilterValue {
  const text = token.text;
  const lower = text.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (!JSON_NUMBER.test(text)) return text;
  const number = Number(text);
  if (!Number.isFinite(number)) throw filterError(token.start, `the number ${quote(text)} is out of range`);
  // Long digit strings are identifiers (externalId eq 12345678901234567890), not quantities: keep every digit.
  if (INTEGER.test(text) && !Number.isSafeInteger(number)) return text;
  return number === 0 ? 0 : number; // -0 → 0
}
