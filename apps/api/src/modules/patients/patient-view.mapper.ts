import type { PatientView } from '@zhiyin/contracts';
import type { Actor } from '#src/common/request-context.js';
import type { PatientEntity } from './patient.entity.js';

/** A patient record as the API answers it (packages/contracts' `PatientView`). */
export function toPatientView(p: PatientEntity, actor: Actor): PatientView {
  return {
    id: p.id,
    homeFacilityId: p.homeFacilityId,
    mrn: p.mrn,
    familyNameZh: p.familyNameZh,
    givenNameZh: p.givenNameZh,
    namePinyin: p.namePinyin,
    sex: p.sex,
    birthDate: p.birthDate,
    phone: p.phone,
    nationalIdMasked: p.nationalIdMasked,
    // A centre's own doctors never learn that another centre holds the same person.
    ...(actor.role === 'coordinator' ? { possibleDuplicate: p.possibleDuplicate } : {}),
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
