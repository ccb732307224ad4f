import { Injectable } from '@nestjs/common';
import { AppError, notFound } from '#src/common/errors.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import type { FacilityListView, FacilityView, ReadingCentreView } from '@zhiyin/contracts';
import type { Service } from '@zhiyin/workflow';
import type { CreateFacilityDto, RenameReadingCentreDto, UpdateFacilityDto } from './dto.js';
import { toFacilityView, toReadingCentreView } from './facility.mapper.js';
import { FacilityRepository, type FacilityChanges, type Tx } from './facility.repository.js';
import { SessionRevocations } from '#src/modules/auth/session-revocations.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { rooms } from '#src/modules/realtime/rooms.js';

const PG_UNIQUE_VIOLATION = '23505';

// Names a new reading centre gets; the administrator renames it afterwards (renameReadingCentre).
const CENTRE_NAMES: Record<Service, { nameZh: string; nameEn: string }> = {
  ECG: { nameZh: '心电诊断中心', nameEn: 'ECG Diagnosis Centre' },
  IMAGING: { nameZh: '影像诊断中心', nameEn: 'Imaging Diagnosis Centre' },
};

const invalid = (field: string, message: string, reason: string) =>
  new AppError('VALIDATION_FAILED', message, { fields: [field], reason });

// The network's facilities, managed by the administrator. Facilities are never deleted (referrals,
// patients and users point at them): they are deactivated, and a deactivated one takes no new users.
@Injectable()
export class FacilitiesService {
  constructor(
    private readonly repo: FacilityRepository,
    private readonly audit: AuditService,
    private readonly revocations: SessionRevocations,
    private readonly outbox: OutboxService,
  ) {}

  async list(): Promise<FacilityListView> {
    const [facilities, readingCentres] = await Promise.all([this.repo.listFacilities(), this.repo.readingCentres()]);
    return {
      facilities: facilities.map((f) => toFacilityView(f, readingCentres)),
      readingCentres: readingCentres.map(toReadingCentreView),
    };
  }

  async get(id: string): Promise<FacilityView> {
    const facility = await this.repo.find(id);
    if (!facility) throw notFound('Facility');
    return toFacilityView(facility, await this.repo.readingCentres());
  }

  async create(dto: CreateFacilityDto): Promise<FacilityView> {
    return this.repo.transaction(async (m) => {
      const hubId = dto.kind === 'community' ? await this.checkHub(m, dto.hubId) : null;
      if (dto.kind === 'community' && dto.readingServices?.length)
        throw invalid('readingServices', 'Only a hub runs reading centres.', 'not_a_hub');
      const entity = await this.unique(() =>
        this.repo.insert(m, {
          code: dto.code.toUpperCase(),
          kind: dto.kind,
          nameZh: dto.nameZh.trim(),
          nameEn: dto.nameEn.trim(),
          hubId,
          address: dto.address?.trim() || null,
          phone: dto.phone?.trim() || null,
          active: true,
        }),
      );
      if (dto.kind === 'hub') await this.setReadingServices(m, entity.id, dto.readingServices ?? []);
      await this.audit.record(
        {
          action: 'facility.create',
          resourceType: 'facility',
          resourceId: entity.id,
          outcome: 'success',
          details: { kind: dto.kind, readingServices: dto.readingServices ?? [] },
        },
        m,
      );
      return toFacilityView(entity, await this.repo.readingCentres(m, false));
    });
  }

  async update(id: string, dto: UpdateFacilityDto): Promise<FacilityView> {
    return this.repo.transaction(async (m) => {
      const facility = await this.repo.lock(m, id);
      if (!facility) throw notFound('Facility');
      const fields: string[] = [];
      const changes: { -readonly [K in keyof FacilityChanges]: FacilityChanges[K] } = {};
      const change = <K extends keyof FacilityChanges>(key: K, value: FacilityChanges[K] | undefined) => {
        if (value === undefined || value === facility[key]) return;
        changes[key] = value;
        fields.push(key);
      };
      change('code', dto.code?.toUpperCase());
      change('nameZh', dto.nameZh?.trim());
      change('nameEn', dto.nameEn?.trim());
      change('address', dto.address === undefined ? undefined : dto.address.trim() || null);
      change('phone', dto.phone === undefined ? undefined : dto.phone.trim() || null);
      if (dto.hubId !== undefined) {
        if (facility.kind !== 'community')
          throw invalid('hubId', 'Only a community centre belongs to a hub.', 'not_community');
        if (dto.hubId !== facility.hubId) change('hubId', await this.checkHub(m, dto.hubId));
      }
      if (dto.readingServices !== undefined) {
        if (facility.kind !== 'hub') throw invalid('readingServices', 'Only a hub runs reading centres.', 'not_a_hub');
        if (await this.setReadingServices(m, facility.id, dto.readingServices)) fields.push('readingServices');
      }
      const saved =
        Object.keys(changes).length > 0 ? await this.unique(() => this.repo.update(m, id, changes)) : facility;
      if (fields.length > 0) {
        await this.audit.record(
          {
            action: 'facility.update',
            resourceType: 'facility',
            resourceId: id,
            outcome: 'success',
            details: { fields },
          },
          m,
        );
      }
      return toFacilityView(saved, await this.repo.readingCentres(m));
    });
  }

  /**
   * Renames a hub reading centre. Each name is trimmed, must not be empty, and must differ from the other
   * centres of the same hub (ignoring case), so a specialist never sees two pools with one name. The worklist
   * and the board hear of it at once.
   */
  async renameReadingCentre(id: string, dto: RenameReadingCentreDto): Promise<ReadingCentreView> {
    const wanted = { nameZh: dto.nameZh?.trim(), nameEn: dto.nameEn?.trim() };
    const blank = (['nameZh', 'nameEn'] as const).filter((k) => wanted[k] === '');
    if (blank.length > 0)
      throw new AppError('VALIDATION_FAILED', 'A reading centre needs a name.', { fields: blank, reason: 'required' });
    if (wanted.nameZh === undefined && wanted.nameEn === undefined)
      throw new AppError('VALIDATION_FAILED', 'Give the new Chinese or English name.', {
        fields: ['nameZh', 'nameEn'],
        reason: 'required',
      });
    const { view, changed } = await this.repo.transaction(async (m) => {
      // The hub's row is the lock: renames of one hub's centres take turns (two at once cannot both take the same
      // name), as do its edits that add or remove centres. A centre never moves to another hub.
      await this.repo.lockHubOfCentre(m, id);
      const centre = await this.repo.readingCentre(m, id);
      if (!centre) throw notFound('Reading centre');
      const fields = (['nameZh', 'nameEn'] as const).filter((k) => wanted[k] !== undefined && wanted[k] !== centre[k]);
      if (fields.length === 0) return { view: toReadingCentreView(centre), changed: false };
      const others = (await this.repo.centresOfHub(m, centre.hubId)).filter((c) => c.id !== centre.id);
      const taken = fields.filter((k) => others.some((c) => c[k].toLowerCase() === wanted[k]!.toLowerCase()));
      if (taken.length > 0)
        throw new AppError('CONFLICT', 'Another reading centre of this hub already has this name.', {
          fields: taken,
          reason: 'duplicate_name',
        });
      const renamed = { ...centre, ...Object.fromEntries(fields.map((k) => [k, wanted[k]!])) };
      await this.repo.renameCentre(m, id, { nameZh: renamed.nameZh, nameEn: renamed.nameEn });
      await this.audit.record(
        {
          action: 'reading_centre.rename',
          resourceType: 'reading_centre',
          resourceId: id,
          outcome: 'success',
          details: { fields, hubId: centre.hubId, service: centre.service },
        },
        m,
      );
      // The pool's specialists (their worklist), the coordinators (the board) and the staff of the centres
      // the hub reads for (their referral pages).
      const served = await this.repo.servedBy(m, centre.hubId);
      await this.outbox.write(m, [
        {
          event: 'reading_centre.changed',
          rooms: [rooms.pool(centre.service), rooms.coordinators(), ...served.map((f) => rooms.facility(f.id))],
          payload: { readingCentreId: id, hubId: centre.hubId, service: centre.service },
        },
      ]);
      return { view: toReadingCentreView(renamed), changed: true };
    });
    if (changed) this.outbox.kick();
    return view;
  }

  /** Deactivates (or reactivates) a facility. A hub that community centres still send to stays active. */
  async setActive(id: string, active: boolean): Promise<FacilityView> {
    const view = await this.repo.transaction(async (m) => {
      const facility = await this.repo.lockState(m, id);
      if (!facility) throw notFound('Facility');
      if (!active && facility.kind === 'hub') {
        const n = await this.repo.activeCommunityCentres(m, id);
        if (n > 0)
          throw new AppError(
            'CONFLICT',
            'Community centres still send their studies to this hub. Move them to another hub first.',
            { reason: 'hub_in_use', communityCentres: n },
          );
      }
      if (facility.active !== active) {
        await this.repo.setActive(m, id, active);
        // A deactivated centre's accounts are signed out everywhere now.
        const sessionsEnded = active ? 0 : await this.repo.revokeSessionsOf(m, id);
        await this.audit.record(
          {
            action: active ? 'facility.activate' : 'facility.deactivate',
            resourceType: 'facility',
            resourceId: id,
            outcome: 'success',
            ...(active ? {} : { details: { sessionsEnded } }),
          },
          m,
        );
      }
      const entity = await this.repo.findOrFail(m, id);
      return toFacilityView(entity, await this.repo.readingCentres(m));
    });
    if (!active) await this.revocations.refresh();
    return view;
  }

  private async checkHub(m: Tx, hubId: string | undefined): Promise<string> {
    if (!hubId) throw invalid('hubId', 'Choose the hub that reads for this centre.', 'required');
    const hub = await this.repo.find(hubId, m);
    if (!hub || hub.kind !== 'hub') throw invalid('hubId', 'The hub does not exist.', 'not_a_hub');
    if (!hub.active) throw invalid('hubId', 'The hub is deactivated.', 'inactive');
    return hub.id;
  }

  /** Adds and removes a hub's reading centres; true when something changed. */
  private async setReadingServices(m: Tx, hubId: string, services: readonly Service[]): Promise<boolean> {
    const existing = await this.repo.centresOfHub(m, hubId);
    let changed = false;
    for (const centre of existing.filter((c) => !services.includes(c.service))) {
      const { users, shifts } = await this.repo.centreUse(m, centre.id);
      if (users > 0 || shifts > 0)
        throw new AppError(
          'CONFLICT',
          'Specialists or duty shifts still belong to this reading centre. Move them first.',
          { reason: 'reading_centre_in_use', service: centre.service, users, shifts },
        );
      await this.repo.deleteCentre(m, centre.id);
      changed = true;
    }
    for (const service of services.filter((s) => !existing.some((c) => c.service === s))) {
      await this.repo.insertCentre(m, { hubId, service, ...CENTRE_NAMES[service] });
      changed = true;
    }
    return changed;
  }

  /** Runs a facility write, answering a taken code as a conflict. */
  private async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const e = err as { code?: string; driverError?: { code?: string } };
      if ((e.driverError?.code ?? e.code) === PG_UNIQUE_VIOLATION)
        throw new AppError('CONFLICT', 'Another facility already has this code.', {
          fields: ['code'],
          reason: 'duplicate_code',
        });
      throw err;
    }
  }
}
