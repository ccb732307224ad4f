import { Injectable } from '@nestjs/common';
import { AppError, notFound } from '#src/common/errors.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { DicomAeRepository } from './dicom-ae.repository.js';
import type { DicomAeView } from '@zhiyin/contracts';
import type { CreateDicomAeDto, UpdateDicomAeDto } from './dto.js';

const PG_UNIQUE_VIOLATION = '23505';
const invalid = (field: string, message: string, reason: string) =>
  new AppError('VALIDATION_FAILED', message, { fields: [field], reason });

// The administrator's register of DICOM application entities (modalities of a community centre,
// workstations of a hub reading centre). Only a registered, active AE of an active centre may associate.
@Injectable()
export class DicomAeService {
  constructor(
    private readonly repo: DicomAeRepository,
    private readonly audit: AuditService,
  ) {}

  list(): Promise<DicomAeView[]> {
    return this.repo.list();
  }

  async get(id: string): Promise<DicomAeView> {
    return (await this.repo.get(id)) ?? Promise.reject(notFound('DICOM AE'));
  }

  async create(dto: CreateDicomAeDto): Promise<DicomAeView> {
    return this.repo.transaction(async (m) => {
      const facility = await this.repo.facility(m, dto.facilityId, dto.readingCentreId ?? null);
      if (!facility) throw invalid('facilityId', 'No such facility.', 'unknown_facility');
      if (dto.kind === 'modality' && facility.kind !== 'community')
        throw invalid('facilityId', 'A modality belongs to a community centre.', 'not_community');
      if (dto.kind === 'workstation') {
        if (facility.kind !== 'hub') throw invalid('facilityId', 'A workstation belongs to the hub.', 'not_a_hub');
        if (!facility.centreOfHub)
          throw invalid('readingCentreId', 'Name a reading centre of this hub.', 'unknown_reading_centre');
      } else if (dto.readingCentreId)
        throw invalid('readingCentreId', 'Only a workstation reads for a reading centre.', 'not_a_workstation');
      if (dto.port !== undefined && dto.kind !== 'workstation')
        throw invalid('port', 'Only a workstation is a move destination.', 'not_a_workstation');
      if (dto.port !== undefined && !dto.host)
        throw invalid('host', 'A move destination needs its address.', 'port_needs_host');
      let created: DicomAeView;
      try {
        created = await this.repo.insert(m, {
          aeTitle: dto.aeTitle.trim(),
          facilityId: dto.facilityId,
          kind: dto.kind,
          modality: dto.modality ?? null,
          readingCentreId: dto.kind === 'workstation' ? dto.readingCentreId! : null,
          host: dto.host ?? null,
          port: dto.port ?? null,
          characterSet: dto.characterSet ?? 'ISO_IR 192',
        });
      } catch (err) {
        if ((err as { code?: string }).code === PG_UNIQUE_VIOLATION)
          throw new AppError('CONFLICT', 'Another device already has this AE title.', {
            fields: ['aeTitle'],
            reason: 'taken',
          });
        throw err;
      }
      await this.audit.record(
        {
          action: 'dicom_ae.create',
          resourceType: 'dicom_ae',
          resourceId: created.id,
          outcome: 'success',
          details: { facilityId: created.facilityId, kind: created.kind },
        },
        m,
      );
      return created;
    });
  }

  async update(id: string, dto: UpdateDicomAeDto): Promise<DicomAeView> {
    return this.repo.transaction(async (m) => {
      const ae = await this.repo.lock(m, id);
      if (!ae) throw notFound('DICOM AE');
      const next = {
        modality: dto.modality ?? ae.modality,
        host: dto.host === undefined ? ae.host : dto.host || null,
        port: dto.port === undefined ? ae.port : dto.port,
        characterSet: dto.characterSet ?? ae.characterSet,
        active: dto.active ?? ae.active,
      };
      if (next.port !== null && (ae.kind !== 'workstation' || !next.host))
        throw ae.kind !== 'workstation'
          ? invalid('port', 'Only a workstation is a move destination.', 'not_a_workstation')
          : invalid('host', 'A move destination needs its address.', 'port_needs_host');
      const fields = (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== ae[k]);
      if (fields.length === 0) return ae;
      const updated = (await this.repo.update(m, id, next))!;
      await this.audit.record(
        {
          action: 'dicom_ae.update',
          resourceType: 'dicom_ae',
          resourceId: id,
          outcome: 'success',
          details: { fields },
        },
        m,
      );
      return updated;
    });
  }
}
