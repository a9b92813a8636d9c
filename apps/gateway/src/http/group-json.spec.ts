import { renderMember, type MemberRow, type StoredResource } from '@scim/scim';
import { groupJson, groupListJson, type GroupRenderContext, type JsonChunks } from './group-json';

const BASE = 'https://scim.example.com/api/scim';
const G1 = 'a5b9c4d2-6e1f-4a3b-9c8d-7e6f5a4b3c2d';
const U1 = '7f4bc1a3-285e-48ae-8202-5accb43efb0e';
const U2 = '0c7d1e2f-3a4b-4c5d-8e9f-a0b1c2d3e4f5';

const group: StoredResource = {
  id: G1,
  data: { displayName: 'Engineering' },
  version: 1,
  created: '2026-01-02T03:04:05.678Z',
  lastModified: '2026-01-02T03:04:05.678Z',
};

function context(pages: MemberRow[][], projection: GroupRenderContext['projection'] = {}): GroupRenderContext {
  return {
    baseUrl: BASE,
    projection,
    async *members() {
      yield* pages;
    },
  };
}

async function text(chunks: JsonChunks): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts).toString('utf8');
}

describe('groupJson (streamed group JSON)', () => {
  it('streams members page by page, between the attributes and meta', async () => {
    const body = JSON.parse(
      await text(
        groupJson(
          group,
          context([[{ id: U1, type: 'User', display: 'Ada' }], [{ id: U2, type: 'User', display: null }]]),
        ),
      ),
    );
    expect(body.members.map((m: { value: string }) => m.value)).toEqual([U1, U2]);
    expect(Object.keys(body)).toEqual(['schemas', 'id', 'displayName', 'members', 'meta']);
  });

  it.each([
    ['no pages', []],
    ['one empty page', [[]]],
  ])(
    'leaves members out of a group without members (%s), as RFC 7643 §2.5 asks',
    async (_label, pages: MemberRow[][]) => {
      const raw = await text(groupJson(group, context(pages)));
      const body = JSON.parse(raw);
      expect(body).not.toHaveProperty('members');
      expect(Object.keys(body)).toEqual(['schemas', 'id', 'displayName', 'meta']);
    },
  );

  it('leaves members out of a list entry too', async () => {
    const body = JSON.parse(await text(groupListJson([group, { ...group, id: U1 }], 2, 1, context([]))));
    expect(body.Resources).toHaveLength(2);
    for (const resource of body.Resources) expect(resource).not.toHaveProperty('members');
  });

  it('leaves members out when only members were asked for and there are none', async () => {
    const body = JSON.parse(await text(groupJson(group, context([], { attributes: ['members'] }))));
    expect(body).toEqual({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: G1 });
  });

  describe('members written as bytes', () => {
    const awkward: MemberRow[] = [
      { id: U1, type: 'User', display: 'Zoë "Z" Ødegård \\ tab\t nul\u0000 emoji 🎉' },
      { id: U2, type: 'User', display: null },
      { id: G1, type: 'Group', display: 'Engineering' },
    ];

    it('writes each member exactly as JSON.stringify(renderMember(…)) would', async () => {
      const raw = await text(groupJson(group, context([awkward, [awkward[0]!]])));
      const expected = [...awkward, awkward[0]!].map((m) => JSON.stringify(renderMember(m, BASE))).join(',');
      expect(raw).toContain(`"members":[${expected}]`);
    });

    it.each([
      [{ attributes: ['members.value'] }, ['value']],
      [{ attributes: ['members.VALUE', 'members.display'] }, ['value', 'display']],
      [{ excludedAttributes: ['members.$ref', 'members.type'] }, ['value', 'display']],
      [{ excludedAttributes: ['members.display'] }, ['value', '$ref', 'type']],
    ])('keeps the member sub-attributes a projection names (%j)', async (projection, keys) => {
      const body = JSON.parse(await text(groupJson(group, context([awkward], projection))));
      expect(body.members.map((m: object) => Object.keys(m))).toEqual(
        awkward.map((m) => keys.filter((key) => key !== 'display' || m.display !== null)),
      );
    });

    it('splits a large page into chunks that join into the same JSON', async () => {
      const many: MemberRow[] = Array.from({ length: 2000 }, (_, i) => ({
        id: `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`,
        type: 'User',
        display: `Person ${i}`,
      }));
      const chunks: (string | Buffer)[] = [];
      for await (const chunk of groupJson(group, context([many]))) chunks.push(chunk);
      expect(chunks.filter((chunk) => Buffer.isBuffer(chunk)).length).toBeGreaterThan(1);
      const body = JSON.parse(
        Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))).toString(),
      );
      expect(body.members).toEqual(many.map((m) => renderMember(m, BASE)));
    });
  });
});
