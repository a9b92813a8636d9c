import { parseFilter } from '../filter/filter.parser';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parseAttributeList, parseListQuery } from './list-query';
import { listResponse } from './list-response';
import { LIST_RESPONSE_SCHEMA } from '../schema/urns';
import { scimErrorOf as scimError } from '../testing/scim-error-of';

describe('parseListQuery', () => {
  it('defaults to startIndex 1 and count 100, with no filter or projection', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(100);
    expect(parseListQuery({})).toEqual({ startIndex: 1, count: 100, sortOrder: 'ascending' });
  });

  it('reads startIndex and count', () => {
    expect(parseListQuery({ startIndex: '21', count: '10' })).toEqual({
      startIndex: 21,
      count: 10,
      sortOrder: 'ascending',
    });
  });

  it('caps count at 1000', () => {
    expect(MAX_PAGE_SIZE).toBe(1000);
    expect(parseListQuery({ count: '1000' }).count).toBe(1000);
    expect(parseListQuery({ count: '1001' }).count).toBe(1000);
    expect(parseListQuery({ count: '5000000' }).count).toBe(1000);
  });

  it('treats a negative count as 0 and keeps count=0 (a request for totalResults only)', () => {
    expect(parseListQuery({ count: '-5' }).count).toBe(0);
    expect(parseListQuery({ count: '0' }).count).toBe(0);
  });

  it('treats a startIndex below 1 as 1', () => {
    expect(parseListQuery({ startIndex: '0' }).startIndex).toBe(1);
    expect(parseListQuery({ startIndex: '-10' }).startIndex).toBe(1);
  });

  it('treats empty values as absent and tolerates surrounding spaces', () => {
    expect(parseListQuery({ startIndex: '', count: '  ' })).toEqual({
      startIndex: 1,
      count: 100,
      sortOrder: 'ascending',
    });
    expect(parseListQuery({ count: ' 5 ' }).count).toBe(5);
  });

  it.each([
    ['count', '1.5'],
    ['count', 'ten'],
    ['count', '10abc'],
    ['startIndex', '1e3'],
    ['startIndex', 'first'],
  ])('rejects a non-integer %s=%j with 400 invalidValue naming the parameter', (name, value) => {
    const error = scimError(() => parseListQuery({ [name]: value }));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(error.detail).toContain(name);
    expect(error.detail).toContain(value);
  });

  it('reads parameter names in any case', () => {
    const query = parseListQuery({
      STARTINDEX: '3',
      Count: '7',
      FILTER: 'userName eq "a"',
      Attributes: 'userName',
      EXCLUDEDATTRIBUTES: 'emails',
    });
    expect(query).toEqual({
      startIndex: 3,
      count: 7,
      filter: parseFilter('userName eq "a"'),
      attributes: ['userName'],
      excludedAttributes: ['emails'],
      sortOrder: 'ascending',
    });
  });

  it("ignores unknown parameters such as Entra's aadOptscim062020", () => {
    expect(parseListQuery({ aadOptscim062020: '', foo: 'bar' })).toEqual({
      startIndex: 1,
      count: 100,
      sortOrder: 'ascending',
    });
  });

  it('reads sortBy (URN-qualified or not) and sortOrder, refusing other orders', () => {
    expect(parseListQuery({ sortBy: 'name.familyName', sortOrder: 'Descending' })).toMatchObject({
      sortBy: { name: 'name', subAttr: 'familyName' },
      sortOrder: 'descending',
    });
    expect(
      parseListQuery({ sortBy: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' }).sortBy,
    ).toEqual({ uri: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', name: 'department' });
    expect(() => parseListQuery({ sortOrder: 'up' })).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidValue' }),
    );
  });

  it('takes the last value of a repeated parameter', () => {
    expect(parseListQuery({ count: ['5', '9'] }).count).toBe(9);
  });

  it('parses the filter into its AST', () => {
    const query = parseListQuery({ filter: 'userName eq "Test_User_00aa00aa-bb11" and active eq true' });
    expect(query.filter).toEqual(parseFilter('userName eq "Test_User_00aa00aa-bb11" and active eq true'));
    expect(query.filter?.type).toBe('and');
  });

  it('rejects a filter that does not parse with 400 invalidFilter (never "return everything")', () => {
    expect(scimError(() => parseListQuery({ filter: 'userName eq' }))).toMatchObject({
      status: 400,
      scimType: 'invalidFilter',
    });
    expect(scimError(() => parseListQuery({ filter: 'userName wibble "x"' }))).toMatchObject({
      status: 400,
      scimType: 'invalidFilter',
    });
  });

  it('splits and trims attribute lists, dropping empty names', () => {
    const query = parseListQuery({
      attributes: ' userName , name.givenName,,emails ',
      excludedAttributes: 'members, ',
    });
    expect(query.attributes).toEqual(['userName', 'name.givenName', 'emails']);
    expect(query.excludedAttributes).toEqual(['members']);
  });

  it('leaves out attribute lists that name nothing', () => {
    const query = parseListQuery({ attributes: ' , ', excludedAttributes: '' });
    expect(query).not.toHaveProperty('attributes');
    expect(query).not.toHaveProperty('excludedAttributes');
  });
});

describe('parseAttributeList', () => {
  it('keeps URN-qualified names whole', () => {
    expect(
      parseAttributeList('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber,userName'),
    ).toEqual(['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', 'userName']);
  });

  it('returns undefined for no value', () => {
    expect(parseAttributeList(undefined)).toBeUndefined();
  });
});

describe('listResponse', () => {
  it('reports itemsPerPage as the number of resources on the page, and totalResults as given', () => {
    expect(listResponse([{ id: 'a' }, { id: 'b' }], 42, 11)).toEqual({
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: 42,
      startIndex: 11,
      itemsPerPage: 2,
      Resources: [{ id: 'a' }, { id: 'b' }],
    });
  });

  it('answers an empty match with an empty Resources array', () => {
    expect(listResponse([], 0, 1)).toMatchObject({ totalResults: 0, itemsPerPage: 0, Resources: [] });
  });
});
