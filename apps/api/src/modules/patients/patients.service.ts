import { Inject, Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { hashToken } from '#src/modules/auth/token.service.js';
import type { PatientAccessCodeView, PatientListView, PatientView } from '@zhiyin/contracts';
import type { CreatePatientDto, SearchPatientsDto, UpdatePatientDto } from './dto.js';
import { isValidChineseNationalId, NationalIdVault } from './national-id.js';
import type { PatientEntity } from './patient.entity.js';
import { PatientRepository, type PatientMatch, type Tx } from './patient.repository.js';
import { toPatientView } from './patient-view.mapper.js';
import { HAN, toPinyin } from './pinyin.js';
import { SessionRevocations } from '#src/modules/auth/session-revocations.service.js';
import { serviceOfSpecialty } from '#src/modules/realtime/rooms.js';

const PG_UNIQUE_VIOLATION = '23505';

@Injectable()
export class PatientsService {
  private readonly vault: NationalIdVault;

  constructor(
    private readonly repo: PatientRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly revocations: SessionRevocations,
  ) {
    this.vault = new NationalIdVault(config.dataKey);
  }

  async create(actor: Actor, dto: CreatePatientDto): Promise<PatientView> {
    const facilityId = actor.facilityId!;
    const nationalId = this.checkNationalId(dto.nationalId);
    const names = this.names(dto.familyNameZh, dto.givenNameZh, dto.namePinyin);
    return this.repo.transaction(async (m) => {
      const possibleDuplicate = nationalId ? await this.flagOtherCentres(m, facilityId, nationalId) : false;
      let entity: PatientEntity;
      try {
        entity = await this.repo.insert(m, {
          homeFacilityId: facilityId,
          mrn: dto.mrn,
          ...names,
          sex: dto.sex,
          birthDate: dto.birthDate,
          phone: dto.phone ?? null,
          ...this.nationalIdColumns(nationalId),
          possibleDuplicate,
        });
      } catch (err) {
        throw uniqueViolation(err) ?? err;
      }
      await this.audit.record(
        {
          action: 'patient.create',
          resourceType: 'patient',
          resourceId: entity.id,
          patientId: entity.id,
          outcome: 'success',
          ...(possibleDuplicate ? { details: { possibleDuplicate } } : {}),
        },
        m,
      );
      return toPatientView(entity, actor);
    });
  }

  async get(actor: Actor, id: string): Promise<PatientView> {
    const patient = await this.findInScope(actor, id);
    await this.audit.record({
      action: 'patient.read',
      resourceType: 'patient',
      resourceId: id,
      patientId: id,
      outcome: 'success',
    });
    return toPatientView(patient, actor);
  }

  async update(actor: Actor, id: string, dto: UpdatePatientDto): Promise<PatientView> {
    const nationalId = dto.nationalId === undefined ? undefined : this.checkNationalId(dto.nationalId);
    return this.repo.transaction(async (m) => {
      const patient = await this.findInScope(actor, id, m, true);
      if (patient.version !== dto.version) {
        throw new AppError('STALE_STATE', 'This patient was changed by someone else. Reload and try again.', {
          currentVersion: patient.version,
        });
      }
      const family = dto.familyNameZh ?? patient.familyNameZh;
      const given = dto.givenNameZh ?? patient.givenNameZh;
      const nameChanged =
        dto.familyNameZh !== undefined || dto.givenNameZh !== undefined || dto.namePinyin !== undefined;
      Object.assign(patient, {
        ...(nameChanged ? this.names(family, given, dto.namePinyin) : {}),
        ...(dto.sex ? { sex: dto.sex } : {}),
        ...(dto.birthDate ? { birthDate: dto.birthDate } : {}),
        ...(dto.phone !== undefined ? { phone: dto.phone } : {}),
        ...(nationalId !== undefined ? this.nationalIdColumns(nationalId) : {}),
        ...(nationalId !== undefined
          ? {
              possibleDuplicate: nationalId
                ? await this.flagOtherCentres(m, patient.homeFacilityId, nationalId)
                : false,
            }
          : {}),
      });
      try {
        await this.repo.save(m, patient);
      } catch (err) {
        throw uniqueViolation(err) ?? err;
      }
      const fields = Object.entries(dto)
        .filter(([k, v]) => k !== 'version' && v !== undefined)
        .map(([k]) => k);
      await this.audit.record(
        {
          action: 'patient.update',
          resourceType: 'patient',
          resourceId: id,
          patientId: id,
          outcome: 'success',
          details: { fields },
        },
        m,
      );
      return toPatientView(patient, actor);
    });
  }

  /** Search by Chinese name (substring), pinyin (full, joined or initials), MRN, or national ID. */
  async search(actor: Actor, dto: SearchPatientsDto): Promise<PatientListView> {
    const facilityId = actor.role === 'community_doctor' ? actor.facilityId : dto.facilityId || undefined;
    const q = dto.q?.trim();
    let searchedBy = 'all';
    let match: PatientMatch | undefined;
    if (q) {
      if (isValidChineseNationalId(q)) {
        searchedBy = 'national_id';
        match = { kind: 'national_id', hash: this.vault.lookupHash(q) };
      } else if (HAN.test(q)) {
        searchedBy = 'name';
        match = { kind: 'name', compact: q.replace(/\s+/g, '') };
      } else {
        searchedBy = 'pinyin_or_mrn';
        const letters = q.toLowerCase().replace(/[^a-z0-9]/g, '');
        const spaced = q
          .toLowerCase()
          .replace(/[^a-z ]/g, '')
          .replace(/\s+/g, ' ')
          .trim();
        match = { kind: 'pinyin_or_mrn', q, letters, spaced };
      }
    }
    const [rows, total] = await this.repo.search({
      facilityId,
      // Only the coordinator, who sees every centre, may know which records another centre shares.
      possibleDuplicate: actor.role === 'coordinator' && dto.possibleDuplicate === 'true',
      match,
      limit: dto.limit ?? 20,
      offset: dto.offset ?? 0,
    });
    // Every patient shown is a read of that patient's data.
    await this.audit.record(
      rows.map((p) => ({
        action: 'patient.search',
        resourceType: 'patient',
        resourceId: p.id,
        patientId: p.id,
        outcome: 'success' as const,
        details: { searchedBy, resultCount: rows.length },
      })),
    );
    if (rows.length === 0) {
      await this.audit.record({
        action: 'patient.search',
        resourceType: 'patient',
        outcome: 'success',
        details: { searchedBy, resultCount: 0 },
      });
    }
    return { items: rows.map((p) => toPatientView(p, actor)), total };
  }

  /** Clears a record's possible-duplicate flag once the coordinator has looked at it. */
  async reviewDuplicate(actor: Actor, id: string, samePerson: boolean): Promise<PatientView> {
    return this.repo.transaction(async (m) => {
      const patient = await this.findInScope(actor, id, m, true);
      const wasFlagged = patient.possibleDuplicate;
      patient.possibleDuplicate = false;
      await this.repo.save(m, patient);
      await this.audit.record(
        {
          action: 'patient.duplicate.review',
          resourceType: 'patient',
          resourceId: id,
          patientId: id,
          outcome: 'success',
          details: { samePerson, wasFlagged },
        },
        m,
      );
      return toPatientView(patient, actor);
    });
  }

  /** A code the community doctor hands to the patient, for the patient's own page (shown once). */
  async issueAccessCode(actor: Actor, patientId: string): Promise<PatientAccessCodeView> {
    const issued = await this.repo.transaction(async (m) => {
      await this.findInScope(actor, patientId, m, true);
      // 10 characters from an alphabet without look-alikes (0/O, 1/I/L): about 48 bits.
      const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
      const code = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
      const expiresAt = new Date(Date.now() + this.config.patientCodeTtl * 1000);
      // A new code replaces any earlier one for the same patient.
      await this.repo.replaceAccessCode(m, { patientId, codeHash: hashToken(code), issuedBy: actor.id, expiresAt });
      await this.audit.record(
        {
          action: 'patient.access_code.issue',
          resourceType: 'patient',
          resourceId: patientId,
          patientId,
          outcome: 'success',
        },
        m,
      );
      return { code: `${code.slice(0, 5)}-${code.slice(5)}`, expiresAt: expiresAt.toISOString() };
    });
    // The session opened with the code it replaces ends now (the old code may be in other hands).
    await this.revocations.refresh();
    return issued;
  }

  private async findInScope(actor: Actor, id: string, m?: Tx, lock = false): Promise<PatientEntity> {
    const patient = await this.repo.find(id, m, lock);
    if (!patient || !(await this.inScope(actor, patient, m))) {
      // Outside the caller's transaction: the refusal is recorded even though the transaction rolls back.
      await this.audit.record({
        action: 'patient.read',
        resourceType: 'patient',
        resourceId: id,
        outcome: 'not_found',
      });
      throw notFound('Patient');
    }
    return patient;
  }

  private async inScope(actor: Actor, patient: PatientEntity, m?: Tx): Promise<boolean> {
    switch (actor.role) {
      case 'community_doctor':
        return patient.homeFacilityId === actor.facilityId;
      case 'specialist': {
        // A hub reader sees the patients whose referrals come to their reading centre, not the whole
        // network's register.
        const service = serviceOfSpecialty(actor.specialty);
        if (!service) return false;
        return this.repo.hasReferralTo(patient.id, service, m);
      }
      case 'coordinator':
        return true;
      case 'admin':
      case 'patient':
        return false;
    }
  }

  /**
   * Whether another centre's register holds this national ID; if so, flags those records too, so
   * the coordinator sees both sides. Serialised per national ID (a transaction-scoped advisory
   * lock), so two centres registering the same person at once both see the other.
   */
  private flagOtherCentres(m: Tx, facilityId: string, nationalId: string): Promise<boolean> {
    return this.repo.flagOtherCentres(m, this.vault.lookupHash(nationalId), facilityId);
  }

  private names(family: string, given: string, pinyinOverride?: string) {
    const generated = toPinyin(family, given);
    const full = pinyinOverride ? pinyinOverride.toLowerCase().replace(/\s+/g, ' ').trim() : generated.full;
    const initials = pinyinOverride
      ? full
          .split(' ')
          .map((s) => s[0])
          .join('')
      : generated.initials;
    return { familyNameZh: family.trim(), givenNameZh: given.trim(), namePinyin: full, pinyinInitials: initials };
  }

  private checkNationalId(raw: string | undefined): string | null {
    if (raw === undefined || raw === '') return null;
    const id = NationalIdVault.normalise(raw);
    if (!isValidChineseNationalId(id)) {
      throw new AppError('VALIDATION_FAILED', 'The national ID number is not valid (18 characters, check digit).', {
        fields: ['nationalId'],
      });
    }
    return id;
  }

  private nationalIdColumns(id: string | null) {
    return id
      ? {
          nationalIdEnc: this.vault.encrypt(id),
          nationalIdHash: this.vault.lookupHash(id),
          nationalIdMasked: NationalIdVault.mask(id),
        }
      : { nationalIdEnc: null, nationalIdHash: null, nationalIdMasked: null };
  }
}

function uniqueViolation(err: unknown): AppError | undefined {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.driverError?.code ?? e.code;
  if (code !== PG_UNIQUE_VIOLATION) return undefined;
  const constraint = e.driverError?.constraint ?? e.constraint ?? '';
  return constraint.includes('national_id')
    ? new AppError('CONFLICT', 'A patient with this national ID is already registered at this centre.')
    : new AppError('CONFLICT', 'A patient with this medical record number already exists at this centre.');
}
