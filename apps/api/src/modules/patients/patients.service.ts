import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomInt } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { hashToken } from '#src/modules/auth/token.service.js';
import type { CreatePatientDto, PatientView, SearchPatientsDto, UpdatePatientDto } from './dto.js';
import { isValidChineseNationalId, NationalIdVault } from './national-id.js';
import { PatientAccessCodeEntity, PatientEntity } from './patient.entity.js';
import { HAN, toPinyin } from './pinyin.js';
import { SessionRevocations } from '#src/modules/auth/session-revocations.service.js';
import { serviceOfSpecialty } from '#src/modules/realtime/rooms.js';

const PG_UNIQUE_VIOLATION = '23505';

@Injectable()
export class PatientsService {
  private readonly vault: NationalIdVault;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
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
    return this.ds.transaction(async (m) => {
      const possibleDuplicate = nationalId ? await this.flagOtherCentres(m, facilityId, nationalId) : false;
      const entity = m.create(PatientEntity, {
        homeFacilityId: facilityId,
        mrn: dto.mrn,
        ...names,
        sex: dto.sex,
        birthDate: dto.birthDate,
        phone: dto.phone ?? null,
        ...this.nationalIdColumns(nationalId),
        possibleDuplicate,
      });
      try {
        await m.save(entity);
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
      return toView(entity, actor);
    });
  }

  async get(actor: Actor, id: string): Promise<PatientView> {
    const patient = await this.findInScope(actor, id, this.ds.manager);
    await this.audit.record({
      action: 'patient.read',
      resourceType: 'patient',
      resourceId: id,
      patientId: id,
      outcome: 'success',
    });
    return toView(patient, actor);
  }

  async update(actor: Actor, id: string, dto: UpdatePatientDto): Promise<PatientView> {
    const nationalId = dto.nationalId === undefined ? undefined : this.checkNationalId(dto.nationalId);
    return this.ds.transaction(async (m) => {
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
        await m.save(patient);
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
      return toView(patient, actor);
    });
  }

  /** Search by Chinese name (substring), pinyin (full, joined or initials), MRN, or national ID. */
  async search(actor: Actor, dto: SearchPatientsDto): Promise<{ items: PatientView[]; total: number }> {
    const qb = this.ds.getRepository(PatientEntity).createQueryBuilder('p');
    if (actor.role === 'community_doctor') qb.andWhere('p.home_facility_id = :fac', { fac: actor.facilityId });
    else if (dto.facilityId) qb.andWhere('p.home_facility_id = :fac', { fac: dto.facilityId });
    // Only the coordinator, who sees every centre, may know which records another centre shares.
    if (actor.role === 'coordinator' && dto.possibleDuplicate === 'true') qb.andWhere('p.possible_duplicate');
    const q = dto.q?.trim();
    let searchedBy = 'all';
    if (q) {
      if (isValidChineseNationalId(q)) {
        searchedBy = 'national_id';
        qb.andWhere('p.national_id_hash = :h', { h: this.vault.lookupHash(q) });
      } else if (HAN.test(q)) {
        searchedBy = 'name';
        const compact = q.replace(/\s+/g, '');
        qb.andWhere("(p.family_name_zh || p.given_name_zh) LIKE :name ESCAPE '\\'", {
          name: `%${escapeLike(compact)}%`,
        });
      } else {
        searchedBy = 'pinyin_or_mrn';
        const letters = q.toLowerCase().replace(/[^a-z0-9]/g, '');
        const spaced = q
          .toLowerCase()
          .replace(/[^a-z ]/g, '')
          .replace(/\s+/g, ' ')
          .trim();
        // Digits only (an MRN) leave no letters for the name conditions: they are left out rather
        // than given a placeholder pattern that matches nothing (PostgreSQL text cannot hold NUL).
        const byName = spaced
          ? `OR replace(p.name_pinyin, ' ', '') LIKE :joined ESCAPE '\\'
            OR p.name_pinyin LIKE :spaced ESCAPE '\\'
            OR p.pinyin_initials LIKE :initials ESCAPE '\\'`
          : '';
        qb.andWhere(`(lower(p.mrn) = :mrn OR lower(p.mrn) LIKE :mrnPrefix ESCAPE '\\' ${byName})`, {
          mrn: q.toLowerCase(),
          mrnPrefix: `${escapeLike(q.toLowerCase())}%`,
          joined: `${escapeLike(letters)}%`,
          spaced: `${escapeLike(spaced)}%`,
          initials: `${escapeLike(letters)}%`,
        });
      }
    }
    const [rows, total] = await qb
      .orderBy('p.family_name_zh')
      .addOrderBy('p.given_name_zh')
      .addOrderBy('p.id')
      .take(dto.limit ?? 20)
      .skip(dto.offset ?? 0)
      .getManyAndCount();
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
    return { items: rows.map((p) => toView(p, actor)), total };
  }

  /** Clears a record's possible-duplicate flag once the coordinator has looked at it. */
  async reviewDuplicate(actor: Actor, id: string, samePerson: boolean): Promise<PatientView> {
    return this.ds.transaction(async (m) => {
      const patient = await this.findInScope(actor, id, m, true);
      const wasFlagged = patient.possibleDuplicate;
      patient.possibleDuplicate = false;
      await m.save(patient);
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
      return toView(patient, actor);
    });
  }

  /** A code the community doctor hands to the patient, for the patient's own page (shown once). */
  async issueAccessCode(actor: Actor, patientId: string): Promise<{ code: string; expiresAt: string }> {
    const issued = await this.ds.transaction(async (m) => {
      await this.findInScope(actor, patientId, m, true);
      // 10 characters from an alphabet without look-alikes (0/O, 1/I/L): about 48 bits.
      const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
      const code = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
      const expiresAt = new Date(Date.now() + this.config.patientCodeTtl * 1000);
      // A new code replaces any earlier one for the same patient.
      await m
        .createQueryBuilder()
        .update(PatientAccessCodeEntity)
        .set({ revokedAt: () => 'now()' })
        .where('patient_id = :patientId AND revoked_at IS NULL', { patientId })
        .execute();
      await m.insert(PatientAccessCodeEntity, { patientId, codeHash: hashToken(code), issuedBy: actor.id, expiresAt });
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

  private async findInScope(actor: Actor, id: string, m: EntityManager, lock = false): Promise<PatientEntity> {
    const qb = m.getRepository(PatientEntity).createQueryBuilder('p').where('p.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    const patient = await qb.getOne();
    if (!patient || !(await this.inScope(actor, patient, m))) {
      await this.audit.record(
        { action: 'patient.read', resourceType: 'patient', resourceId: id, outcome: 'not_found' },
        this.ds.manager,
      );
      throw notFound('Patient');
    }
    return patient;
  }

  private async inScope(actor: Actor, patient: PatientEntity, m: EntityManager): Promise<boolean> {
    switch (actor.role) {
      case 'community_doctor':
        return patient.homeFacilityId === actor.facilityId;
      case 'specialist': {
        // A hub reader sees the patients whose referrals come to their reading centre, not the whole
        // network's register.
        const service = serviceOfSpecialty(actor.specialty);
        if (!service) return false;
        const rows = await m.query<unknown[]>(
          `SELECT 1 FROM referral WHERE patient_id = $1 AND service = $2 AND state <> 'draft' LIMIT 1`,
          [patient.id, service],
        );
        return rows.length > 0;
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
  private async flagOtherCentres(m: EntityManager, facilityId: string, nationalId: string): Promise<boolean> {
    const hash = this.vault.lookupHash(nationalId);
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('patient.national_id:' || $1, 0))`, [hash]);
    const flagged = await m.query<unknown[]>(
      `UPDATE patient SET possible_duplicate = true
        WHERE national_id_hash = $1 AND home_facility_id <> $2
        RETURNING 1`,
      [hash, facilityId],
    );
    return flagged.length > 0;
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

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
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

function toView(p: PatientEntity, actor: Actor): PatientView {
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
