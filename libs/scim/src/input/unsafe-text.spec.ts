import { scimErrorOf } from '../testing/scim-error-of';
import { MAX_JSON_DEPTH, assertStorableJson, assertStorableUrl, storableText, unsafeCharacterIn } from './unsafe-text';

describe('unsafeCharacterIn', () => {
  it('finds NUL characters and unpaired surrogates, with their offset', () => {
    expect(unsafeCharacterIn('ab\u0000c')).toEqual({ index: 2, description: 'a NUL character (U+0000)' });
    expect(unsafeCharacterIn('x\uD800')).toEqual({ index: 1, description: 'an unpaired surrogate (U+D800)' });
    expect(unsafeCharacterIn('\uDC00x')).toEqual({ index: 0, description: 'an unpaired surrogate (U+DC00)' });
    expect(unsafeCharacterIn('\uDBFF\uDBFF\uDC00')).toMatchObject({ index: 0 });
  });

  it('accepts any other text, including paired surrogates (emoji) and control characters', () => {
    for (const text of ['', 'Élodie', 'a😀b', '\u0001\t\n', '\uFFFF', '\uDBFF\uDFFF'])
      expect(unsafeCharacterIn(text)).toBeUndefined();
  });

  it('storableText replaces each unsafe character with U+FFFD', () => {
    expect(storableText('a\u0000b\uD800c😀')).toBe('a\uFFFDb\uFFFDc😀');
    expect(storableText('plain')).toBe('plain');
  });
});

describe('assertStorableJson', () => {
  it('refuses a NUL or an unpaired surrogate in any string of a body with 400 invalidValue naming where', () => {
    const nul = scimErrorOf(() => assertStorableJson({ userName: 'ok', name: { givenName: 'Jo\u0000' } }));
    expect(nul).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(nul.detail).toContain('a NUL character (U+0000) in the value of "name.givenName", at character 3');
    const surrogate = scimErrorOf(() =>
      assertStorableJson({ Operations: [{ op: 'add', value: [{ value: '\uD83D' }] }] }),
    );
    expect(surrogate.detail).toContain('an unpaired surrogate (U+D83D) in the value of "Operations[0].value[0].value"');
    expect(scimErrorOf(() => assertStorableJson('\u0000')).detail).toContain('the top level');
  });

  it('refuses the same in attribute names', () => {
    expect(scimErrorOf(() => assertStorableJson({ 'user\u0000Name': 'x' })).detail).toContain(
      'attribute name "user\uFFFDName"',
    );
  });

  it('refuses nesting deeper than MAX_JSON_DEPTH with invalidSyntax, without recursion', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(scimErrorOf(() => assertStorableJson(deep))).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    let allowed: unknown = 'x';
    for (let i = 0; i < MAX_JSON_DEPTH; i++) allowed = { a: allowed };
    expect(() => assertStorableJson(allowed)).not.toThrow();
  });

  it('accepts ordinary bodies', () => {
    expect(() =>
      assertStorableJson({ userName: 'é😀', emails: [{ value: 'a@b.c', primary: true }], n: 1, z: null }),
    ).not.toThrow();
  });
});

describe('assertStorableUrl', () => {
  it('refuses %00 anywhere with 400 invalidValue', () => {
    for (const url of [
      '/api/scim/Users/a%00b',
      '/api/scim/Users?filter=x%00',
      '/api/scim/Users?aad=%00',
      '/api/scim/Users?x=%41\u0000',
    ]) {
      expect(scimErrorOf(() => assertStorableUrl(url))).toMatchObject({ status: 400, scimType: 'invalidValue' });
    }
  });

  it('refuses percent-encoded bytes that are not UTF-8 with 400 invalidSyntax', () => {
    for (const url of [
      '/api/scim/Users?x=%ff',
      '/api/scim/Users/%C3',
      '/api/scim/Users?x=%ED%A0%80',
      '/api/scim/Users/\u00ff',
    ]) {
      expect(scimErrorOf(() => assertStorableUrl(url))).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    }
  });

  it('accepts UTF-8, plain ASCII and malformed escapes (left to the router)', () => {
    for (const url of [
      '/api/scim/Users',
      '/api/scim/Users?filter=userName%20eq%20%22Prefill_User_1%40testuser.com%22',
      '/api/scim/Users?filter=userName%20eq%20%22%C3%A9%F0%9F%98%80%22',
      '/api/scim/Users?x=%ZZ&y=%',
      '/?aadOptscim062020',
      '/api/scim/Users/\u00c3\u00a9',
    ]) {
      expect(() => assertStorableUrl(url)).not.toThrow();
    }
  });
});
