import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One member of one group: a user (user_id) or a group (member_group_id), same tenant (composite FKs). */
@Entity({ name: 'group_members' })
export class GroupMemberEntity {
  @PrimaryColumn({ name: 'group_id', type: 'uuid' })
  groupId!: string;

  @PrimaryColumn({
    name: 'member_id',
    type: 'uuid',
    generatedType: 'STORED',
    asExpression: 'COALESCE(user_id, member_group_id)',
    insert: false,
    update: false,
  })
  memberId!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'member_group_id', type: 'uuid', nullable: true })
  memberGroupId!: string | null;

  @Column({
    name: 'member_type',
    type: 'text',
    generatedType: 'STORED',
    asExpression: "CASE WHEN user_id IS NOT NULL THEN 'User' ELSE 'Group' END",
    insert: false,
    update: false,
  })
  memberType!: 'User' | 'Group';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
