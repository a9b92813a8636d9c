import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type OperationOutcome = 'succeeded' | 'failed';

/**
 * The operations log: one row per write, recorded in the same statement or transaction as the
 * write itself. Its primary key is the job's operation id, which makes redelivered jobs idempotent.
 */
@Entity({ name: 'operations' })
export class OperationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  /** The job name: create-user, patch-user, … */
  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'resource_type', type: 'text' })
  resourceType!: string;

  @Column({ name: 'resource_id', type: 'uuid', nullable: true })
  resourceId!: string | null;

  /** userName or displayName, as the client sent it, so that failures name who they are about. */
  @Column({ name: 'resource_name', type: 'text', nullable: true })
  resourceName!: string | null;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId!: string | null;

  @Column({ type: 'text' })
  outcome!: OperationOutcome;

  @Column({ type: 'integer' })
  status!: number;

  @Column({ name: 'scim_type', type: 'text', nullable: true })
  scimType!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** What was accepted with remarks, e.g. `{ "ignoredEmails": [...] }`. */
  @Column({ type: 'jsonb', nullable: true })
  notes!: Record<string, unknown> | null;

  /** Why a failed write failed, as a code (FailureReason, INVALID_REQUEST, UNAVAILABLE, TIMED_OUT, INTERNAL). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  context!: Record<string, unknown> | null;

  /** For failures of tenants with notifications on: pending → gathered → sent, or undeliverable. */
  @Column({ type: 'text', nullable: true })
  notification!: 'pending' | 'gathered' | 'sent' | 'undeliverable' | null;

  @Column({ name: 'digest_id', type: 'uuid', nullable: true })
  digestId!: string | null;

  @Column({ name: 'notified_at', type: 'timestamptz', nullable: true })
  notifiedAt!: Date | null;

  /** The HTTP request that made this write (X-Request-Id), as in the gateway's and worker's logs. */
  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
