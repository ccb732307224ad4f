import { Inject, Injectable } from '@nestjs/common';
import type { PatientMismatchDetails, PatientOverrideView, ReferralStudyView } from '@zhiyin/contracts';
import { formatPersonName } from '@zhiyin/dicom';
import {
  comparePatientIdentity,
  type FilePatientIdentity,
  type PatientIdentityField,
  type PatientMatch,
  type RecordPatientIdentity,
} from '@zhiyin/workflow';
import { CLOCK, type Clock } from '#src/common/clock.js';
import { AppError } from '#src/common/errors.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { PatientCheckRepository } from './patient-check.repository.js';
import type { Tx } from './referral.repository.js';

/** The referral a file is about to join, with its patient as the record holds it. */
export interface JoiningReferral {
  referralId: string;
  referralNumber: string;
  patientId: string;
  record: RecordPatientIdentity;
}

/** What a file says about its patient and its recording, as the check and the refusal read it. */
export interface FileIdentity extends FilePatientIdentity {
  studyInstanceUid: string;
  acquiredAt: string | null;
}

/** A confirmation with a reason that a held file is this referral's patient's all the same. */
export interface PatientOverride {
  reason: string;
  differing: PatientIdentityField[];
}

/** A referral number, which is also the Accession Number of the studies made for it. */
export const isReferralNumber = (v: string): boolean => /^ZY\d{11}$/.test(v);

const iso = (d: string | null | undefined) =>
  d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : (d ?? null);

/** `20240302` + `101500.000` → `2024-03-02T10:15:00`, or the date alone; null with no date. */
export function acquiredAt(date: string | null | undefined, time: string | null | undefined): string | null {
  const d = iso(date?.trim());
  if (!d) return null;
  const t = time?.trim().replace(/:/g, '');
  if (!t || !/^\d{2,6}/.test(t)) return d;
  const hh = t.slice(0, 2);
  const mm = t.slice(2, 4) || '00';
  const ss = t.slice(4, 6) || '00';
  return `${d}T${hh}:${mm}:${ss}`;
}

/**
 * Checks that a file joining a referral is its patient's (the rule is `comparePatientIdentity`), refuses it
 * with `PATIENT_MISMATCH` when held, and records the override when the sender confirms it with a reason.
 */
@Injectable()
export class PatientCheckService {
  constructor(
    private readonly repo: PatientCheckRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * The studies of a referral with each file's own patient identity, recording time, device and sending centre
   * beside the referral's patient, the comparison of the two, any override, and the study's age.
   */
  async studiesOf(referralId: string, record: RecordPatientIdentity): Promise<ReferralStudyView[]> {
    const rows = await this.repo.studyRows(referralId);
    const now = this.clock.now().getTime();
    return rows.map((s) => {
      const dicomDate = s.study_date?.replace(/-/g, '') ?? null;
      const file: FileIdentity = {
        studyInstanceUid: s.study_instance_uid,
        patientId: s.dicom_patient_id,
        name: s.patient_name,
        sex: s.patient_sex,
        birthDate: s.patient_birth_date,
        acquiredAt:
          (s.acquired && /^\d{8}/.test(s.acquired) ? acquiredAt(s.acquired.slice(0, 8), s.acquired.slice(8)) : null) ??
          acquiredAt(dicomDate, s.study_time),
      };
      const match = comparePatientIdentity(file, record);
      const text = (tag: string) => {
        const v = s.series_meta?.[tag]?.Value?.[0];
        return typeof v === 'string' && v.trim() ? v.trim() : null;
      };
      const ageDays = s.study_date ? Math.floor((now - Date.parse(`${s.study_date}T00:00:00Z`)) / 86_400_000) : null;
      return {
        studyInstanceUid: s.study_instance_uid,
        modalities: s.modalities,
        seriesCount: s.series_count,
        instanceCount: s.instance_count,
        studyDate: s.study_date,
        studyTime: s.study_time,
        studyDescription: s.study_description,
        acquiredAt: file.acquiredAt,
        filePatient: {
          patientId: s.dicom_patient_id,
          name: s.patient_name ? formatPersonName(s.patient_name) || null : null,
          sex: s.patient_sex,
          birthDate: iso(s.patient_birth_date),
        },
        identity: { verdict: match.verdict, differing: match.differing },
        override: s.patient_override ? { ...s.patient_override, byName: s.override_by_name } : null,
        device: {
          manufacturer: text('00080070'),
          model: text('00081090'),
          station: text('00081010'),
          institution: text('00080080'),
        },
        sendingCentre: { id: s.facility_id, nameZh: s.facility_name_zh, nameEn: s.facility_name_en },
        ageDays,
        old: ageDays !== null && ageDays > this.config.studyMaxAgeDays,
        maxAgeDays: this.config.studyMaxAgeDays,
      };
    });
  }

  /** The caller's centre's open referral with this id or number, with its patient; undefined when none. */
  async joining(actor: Actor, by: 'id' | 'number', value: string, m?: Tx): Promise<JoiningReferral | undefined> {
    if (by === 'id' && !/^[0-9a-f-]{36}$/i.test(value)) return undefined;
    const r = await this.repo.openReferralPatient(m, actor.facilityId, by, value);
    if (!r) return undefined;
    return {
      referralId: r.id,
      referralNumber: r.number,
      patientId: r.patient_id,
      record: {
        mrn: r.mrn,
        familyNameZh: r.family_name_zh,
        givenNameZh: r.given_name_zh,
        namePinyin: r.name_pinyin,
        sex: r.sex,
        birthDate: r.birth_date,
      },
    };
  }

  /** The comparison of a file with the referral's patient. */
  compare(file: FileIdentity, target: JoiningReferral): PatientMatch {
    return comparePatientIdentity(file, target.record);
  }

  /** What a refusal tells the sender: both identities and the fields that differ (the sender's own patient). */
  details(file: FileIdentity, target: JoiningReferral, match: PatientMatch): PatientMismatchDetails {
    const r = target.record;
    return {
      referralId: target.referralId,
      referralNumber: target.referralNumber,
      verdict: match.verdict === 'unconfirmed' ? 'unconfirmed' : 'mismatch',
      differing: match.differing,
      unknown: match.unknown,
      file: {
        studyInstanceUid: file.studyInstanceUid,
        patientId: file.patientId?.trim() || null,
        name: file.name ? formatPersonName(file.name) || null : null,
        sex: file.sex?.trim() || null,
        birthDate: iso(file.birthDate?.trim()) || null,
        acquiredAt: file.acquiredAt,
      },
      patient: {
        patientId: r.mrn,
        name: `${r.familyNameZh}${r.givenNameZh}`,
        namePinyin: r.namePinyin ?? null,
        sex: r.sex,
        birthDate: r.birthDate,
      },
    };
  }

  /** A person-readable sentence of a refusal, for answers that carry text only (STOW-RS ErrorComment). */
  sentence(d: PatientMismatchDetails): string {
    const who = (p: PatientMismatchDetails['patient']) =>
      `${p.name ?? '?'}, ID ${p.patientId ?? '?'}, sex ${p.sex ?? '?'}, born ${p.birthDate ?? '?'}`;
    const what =
      d.verdict === 'unconfirmed' ? 'nothing in the file identifies the patient' : `differs: ${d.differing.join(', ')}`;
    return (
      `The file's patient (${who(d.file)}) is not shown to be referral ${d.referralNumber}'s patient (${who(d.patient)}); ${what}. ` +
      'Check the file, or send it again with X-Zhiyin-Patient-Override: <reason>.'
    );
  }

  /** The refusal of an API call (attach, upload): 409 with both identities. */
  refusal(d: PatientMismatchDetails): AppError {
    return new AppError(
      'PATIENT_MISMATCH',
      d.verdict === 'unconfirmed'
        ? 'Nothing in this file identifies the referral’s patient. Remove it, or confirm with a reason that it is this patient’s.'
        : 'This file names another patient than the referral’s. Remove it, or confirm with a reason that it is this patient’s.',
      d as unknown as Record<string, unknown>,
    );
  }

  /**
   * Keeps the override on the study's link and writes its audit row, in the linking transaction. The audit row
   * names the fields that differed, never their values.
   */
  async recordOverride(
    m: Tx,
    actor: Actor,
    studyId: string,
    target: { referralId: string; patientId: string },
    override: PatientOverride,
  ): Promise<void> {
    const view: Omit<PatientOverrideView, 'byName'> = {
      reason: override.reason,
      differing: override.differing,
      by: actor.id,
      at: new Date().toISOString(),
    };
    await this.repo.setOverride(m, studyId, view);
    await this.audit.record(
      {
        action: 'study.patient_override',
        resourceType: 'referral',
        resourceId: target.referralId,
        patientId: target.patientId,
        outcome: 'success',
        details: { studyId, differing: override.differing, reason: override.reason },
      },
      m,
    );
  }
}
