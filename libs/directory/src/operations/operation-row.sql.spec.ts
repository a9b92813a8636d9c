import { insertOperationSql } from './operation-row.sql';

describe('insertOperationSql', () => {
  it('inserts from the rows of a write, columns in the order given', () => {
    expect(
      insertOperationSql(
        {
          id: '$3',
          tenant_id: '$2',
          kind: "'delete-user'",
          resource_type: "'User'",
          resource_id: 'd.id',
          outcome: "'succeeded'",
          status: '204',
        },
        'd',
      ),
    ).toBe(
      "INSERT INTO operations (id, tenant_id, kind, resource_type, resource_id, outcome, status) SELECT $3, $2, 'delete-user', 'User', d.id, 'succeeded', 204 FROM d",
    );
  });

  it('inserts one row of values without a source', () => {
    expect(
      insertOperationSql({
        id: '$1',
        tenant_id: '$2',
        kind: '$3',
        resource_type: '$4',
        outcome: "'failed'",
        status: '$5',
        context: '$6::jsonb',
      }),
    ).toBe(
      "INSERT INTO operations (id, tenant_id, kind, resource_type, outcome, status, context) VALUES ($1, $2, $3, $4, 'failed', $5, $6::jsonb)",
    );
  });
});
