import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { PatientAccessCodeRecord, PatientSignIn, PatientSignInRecord } from '#src/modules/auth/ports.js';
import { PatientAccessCodeEntity, PatientEntity } from './patient.entity.js';

// The patients' side of auth's PATIENT_SIGN_IN port: the patient and access-code rows sign-in reads.
@Injectable()
export class PatientSignInRepository implements PatientSignIn<EntityManager> {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async patient(id: string, tx: EntityManager = this.ds.manager): Promise<PatientSignInRecord | null> {
    const p = await tx.getRepository(PatientEntity).findOneBy({ id });
    return (
      p && {
        id: p.id,
        homeFacilityId: p.homeFacilityId,
        birthDate: p.birthDate,
        familyNameZh: p.familyNameZh,
        givenNameZh: p.givenNameZh,
        namePinyin: p.namePinyin,
      }
    );
  }

  async accessCode(id: string, tx: EntityManager = this.ds.manager): Promise<PatientAccessCodeRecord | null> {
    const c = await tx.getRepository(PatientAccessCodeEntity).findOneBy({ id });
    return c && { id: c.id, patientId: c.patientId, revokedAt: c.revokedAt, expiresAt: c.expiresAt };
  }
}
