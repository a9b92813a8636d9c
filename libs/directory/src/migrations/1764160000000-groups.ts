import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Groups and their members. Membership is one row per member (never an array on the group), and
 * composite foreign keys on (tenant_id, id) make the database refuse a member from another tenant.
 */
export class Groups1764160000000 implements MigrationInterface {
  name = 'Groups1764160000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_tenant_id_key UNIQUE (tenant_id, id)`);
    await queryRunner.query(`
      CREATE TABLE groups (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        display_name text NOT NULL,
        external_id text,
        data jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT groups_tenant_id_key UNIQUE (tenant_id, id)
      )`);
    // displayName is unique per tenant, compared case-insensitively.
    await queryRunner.query(
      `CREATE UNIQUE INDEX groups_tenant_display_name_key ON groups (tenant_id, lower(display_name))`,
    );
    await queryRunner.query(`CREATE INDEX groups_tenant_external_id_idx ON groups (tenant_id, external_id)`);
    await queryRunner.query(`CREATE INDEX groups_tenant_seq_idx ON groups (tenant_id, seq)`);
    await queryRunner.query(`
      CREATE TABLE group_members (
        tenant_id uuid NOT NULL,
        group_id uuid NOT NULL,
        user_id uuid,
        member_group_id uuid,
        member_id uuid GENERATED ALWAYS AS (COALESCE(user_id, member_group_id)) STORED NOT NULL,
        member_type text GENERATED ALWAYS AS (CASE WHEN user_id IS NOT NULL THEN 'User' ELSE 'Group' END) STORED NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, member_id),
        CONSTRAINT group_members_one_member CHECK ((user_id IS NULL) <> (member_group_id IS NULL)),
        CONSTRAINT group_members_not_itself CHECK (member_group_id IS DISTINCT FROM group_id),
        CONSTRAINT group_members_group_fkey FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT group_members_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
        CONSTRAINT group_members_member_group_fkey FOREIGN KEY (tenant_id, member_group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
      )`);
    // A user's groups, and the cascades when a user or a member group is deleted.
    await queryRunner.query(`CREATE INDEX group_members_user_idx ON group_members (user_id) WHERE user_id IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX group_members_member_group_idx ON group_members (member_group_id) WHERE member_group_id IS NOT NULL`,
    );
    // A user's direct groups as the SCIM `groups` value. PL/pgSQL keeps the plan of its query per
    // connection, so adding it to the (hot) user list queries costs almost no planning time.
    await queryRunner.query(`
      CREATE FUNCTION scim_user_groups(p_user_id uuid) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
      BEGIN
        RETURN (SELECT COALESCE(jsonb_agg(jsonb_build_object('value', g.id, 'display', g.display_name) ORDER BY g.display_name, g.id), '[]'::jsonb)
                  FROM group_members gm JOIN groups g ON g.id = gm.group_id
                 WHERE gm.user_id = p_user_id);
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION scim_user_groups(uuid)`);
    await queryRunner.query(`DROP TABLE group_members`);
    await queryRunner.query(`DROP TABLE groups`);
    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT users_tenant_id_key`);
  }
}
