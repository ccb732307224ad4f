import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Specialty, StaffRole } from '@zhiyin/workflow';

@Entity('app_user')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { unique: true }) username: string;
  @Column('text') passwordHash: string;
  @Column('text') role: StaffRole;
  @Column('uuid', { nullable: true }) facilityId: string | null;
  @Column('text', { nullable: true }) specialty: Specialty | null;
  @Column('uuid', { nullable: true }) readingCentreId: string | null;
  @Column('text') displayNameZh: string;
  @Column('text') displayNameEn: string;
  @Column('boolean', { default: true }) active: boolean;
  @Column('boolean', { default: false }) onDuty: boolean;
  @Column('int', { default: 0 }) failedLogins: number;
  @Column('timestamptz', { nullable: true }) lockedUntil: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

@Entity('refresh_token')
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** the staff member signed in; null for a patient's session */
  @Column('uuid', { nullable: true }) userId: string | null;
  /** a patient's session: the access code it was opened with (null for staff) */
  @Column('uuid', { nullable: true }) patientAccessCodeId: string | null;
  /** all tokens of one sign-in share a family; reuse of a rotated token revokes the family */
  @Column('uuid') familyId: string;
  @Column('text', { unique: true }) tokenHash: string;
  @Column('timestamptz') expiresAt: Date;
  @Column('timestamptz', { nullable: true }) rotatedAt: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
