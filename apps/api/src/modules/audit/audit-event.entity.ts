import { AUDIT_OUTCOMES, type AuditOutcomeName } from '@zhiyin/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

// The outcomes are the API's vocabulary, shared with the web's filters.
export { AUDIT_OUTCOMES };
export type AuditOutcome = AuditOutcomeName;

/** Append-only: the database refuses UPDATE, DELETE and TRUNCATE on this table. */
@Entity('audit_event')
export class AuditEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column('timestamptz', { default: () => 'now()' }) at: Date;
  @Column('text', { nullable: true }) actorId: string | null;
  @Column('text', { nullable: true }) actorRole: string | null;
  @Column('uuid', { nullable: true }) facilityId: string | null;
  @Column('text') action: string;
  @Column('text') resourceType: string;
  @Column('text', { nullable: true }) resourceId: string | null;
  @Column('uuid', { nullable: true }) patientId: string | null;
  @Column('text') outcome: AuditOutcome;
  /** the server's own id of the request */
  @Column('text', { nullable: true }) requestId: string | null;
  /** the client's X-Request-Id, when valid: for correlation only, never trusted as ours */
  @Column('text', { nullable: true }) clientRequestId: string | null;
  @Column('text', { nullable: true }) clientIp: string | null;
  /** ids and counts only, never patient data */
  @Column('jsonb', { nullable: true }) details: Record<string, unknown> | null;
}
