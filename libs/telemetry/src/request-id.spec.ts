import { MAX_REQUEST_ID_LENGTH, requestIdFrom } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFrom', () => {
  it.each([
    '3f2b8c1e-7a4d-4c55-9d0e-1a2b3c4d5e6f',
    '01J9ZQ4X8Y7K6M5N4P3R2S1T0V',
    'Root=1-5759e988-bd862e3fe1be46a994272793',
    'abc.def_ghi:1/2+3',
    'x',
  ])('keeps a safe id %j', (id) => {
    expect(requestIdFrom(id)).toBe(id);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['repeated', ['a', 'b']],
    ['too long', 'a'.repeat(MAX_REQUEST_ID_LENGTH + 1)],
    ['with a space', 'a b'],
    ['with a newline', 'abc\n{"level":"fatal"}'],
    ['with quotes', '"abc"'],
    ['with non-ASCII', 'réq'],
    ['with a semicolon', 'a;b'],
  ])('makes a new UUID when the header is %s', (_what, header) => {
    const id = requestIdFrom(header as string | string[] | undefined);
    expect(id).toMatch(UUID);
  });

  it('accepts exactly the maximum length', () => {
    const id = 'a'.repeat(MAX_REQUEST_ID_LENGTH);
    expect(requestIdFrom(id)).toBe(id);
  });

  it('makes a different id each time', () => {
    expect(requestIdFrom(undefined)).not.toBe(requestIdFrom(undefined));
  });
});
