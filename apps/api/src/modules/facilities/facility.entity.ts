import type { FacilityKind, Service } from '@zhiyin/workflow';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('facility')
export class FacilityEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { unique: true }) code: string;
  @Column('text') kind: FacilityKind;
  @Column('text') nameZh: string;
  @Column('text') nameEn: string;
  @Column('uuid', { nullable: true }) hubId: string | null;
  @Column('text', { nullable: true }) address: string | null;
  @Column('text', { nullable: true }) phone: string | null;
  /** a deactivated facility stays (referrals and users point at it) but takes no new users */
  @Column('boolean', { default: true }) active: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}

/** A reading centre (pool) at the hub: imaging diagnosis centre, ECG diagnosis centre. */
@Entity('reading_centre')
export class ReadingCentreEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid') hubId: string;
  @Column('text') service: Service;
  @Column('text') nameZh: string;
  @Column('text') nameEn: string;
}
