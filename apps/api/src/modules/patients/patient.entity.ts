import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export const SEXES = ['M', 'F', 'O', 'U'] as const;
export type Sex = (typeof SEXES)[number];

@Entity('patient')
export class PatientEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid') homeFacilityId: string;
  /** medical record number, unique within the home facility; also the DICOM PatientID */
  @Column('text') mrn: string;
  @Column('text') familyNameZh: string;
  @Column('text') givenNameZh: string;
  /** e.g. "zhang wei"; generated from the Chinese name when not given */
  @Column('text') namePinyin: string;
  /** e.g. "zw": lets a busy doctor type initials */
  @Column('text') pinyinInitials: string;
  @Column('text') sex: Sex;
  @Column('date') birthDate: string;
  @Column('text', { nullable: true }) phone: string | null;
  /** AES-256-GCM ciphertext of the national ID (iv | tag | data) */
  @Column('bytea', { nullable: true }) nationalIdEnc: Buffer | null;
  /** keyed hash for exact look-up without decrypting */
  @Column('text', { nullable: true }) nationalIdHash: string | null;
  @Column('text', { nullable: true }) nationalIdMasked: string | null;
  /** another centre holds a patient with the same national ID: for the coordinator to resolve */
  @Column('boolean', { default: false }) possibleDuplicate: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @VersionColumn() version: number;
}

/** A code a community doctor hands to the patient; with the birth date it opens the patient's page. */
@Entity('patient_access_code')
export class PatientAccessCodeEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid') patientId: string;
  @Column('text', { unique: true }) codeHash: string;
  @Column('uuid') issuedBy: string;
  @Column('timestamptz') expiresAt: Date;
  @Column('int', { default: 0 }) failedAttempts: number;
  @Column('timestamptz', { nullable: true }) revokedAt: Date | null;
  @Column('timestamptz', { nullable: true }) lastUsedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
