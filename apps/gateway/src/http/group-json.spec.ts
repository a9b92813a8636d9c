import type { MemberRow, StoredResource } from '@scim/scim';
import { groupJson, groupListJson, type GroupRenderContext } from './group-json';

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

async function text(chunks: AsyncGenerator<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
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
});
