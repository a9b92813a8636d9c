import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A one-time link that signs an admin in to the console. Only the SHA-256 of its secret is stored. */
@Entity({ name: 'admin_sign_in_links' })
export class AdminSignInLinkEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('admin_sign_in_links_tenant_idx')
  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Index('admin_sign_in_links_token_hash_key', { unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  /** The admin address it was emailed to; null when the operator's CLI issued it. */
  @Column({ name: 'sent_to', type: 'text', nullable: true })
  sentTo!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;
}

/** A signed-in admin's console session (the cookie holds the secret; only its SHA-256 is stored). */
@Entity({ name: 'admin_sessions' })
export class AdminSessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('admin_sessions_tenant_idx')
  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId!: string;

  @Index('admin_sessions_token_hash_key', { unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'csrf_token', type: 'text' })
  csrfToken!: string;

  @Column({ name: 'admin_email', type: 'text', nullable: true })
  adminEmail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;
}
