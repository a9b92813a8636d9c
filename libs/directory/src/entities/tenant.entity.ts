import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'notify_email', type: 'text', nullable: true })
  notifyEmail!: string | null;

  @Column({ name: 'notify_on_failure', type: 'boolean', default: false })
  notifyOnFailure!: boolean;

  /** Lower-case domains; a domain also covers its subdomains. Empty: any non-personal domain. */
  @Column({ name: 'work_domains', type: 'text', array: true, default: () => "'{}'" })
  workDomains!: string[];

  /** Lower-case addresses that may ask for a sign-in link to the admin console. */
  @Column({ name: 'admin_emails', type: 'text', array: true, default: () => "'{}'" })
  adminEmails!: string[];

  /** The last Test Connection seen from Entra (`GET /Users?filter=userName eq "<random guid>"`). */
  @Column({ name: 'last_test_connection_at', type: 'timestamptz', nullable: true })
  lastTestConnectionAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
