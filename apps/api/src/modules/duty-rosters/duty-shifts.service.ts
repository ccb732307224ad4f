import { Inject, Injectable } from '@nestjs/common';
import type { CreatedDutyShiftView, DutyShiftView } from '@zhiyin/contracts';
import { SERVICES, type Service } from '@zhiyin/workflow';
import { AppError, notFound } from '#src/common/errors.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import type { DutyShiftDto, DutyShiftsQueryDto } from './dto.js';
import { toDutyShiftView } from './duty-shift.mapper.js';
import { DutyShiftsRepository } from './duty-shifts.repository.js';

/** Told when the rosters change: a reader just went on duty may be offered waiting referrals at once. */
export interface RosterChanged {
  kick(service: Service): void;
}
export const ROSTER_CHANGED = Symbol('ROSTER_CHANGED');

// The duty rosters' use cases: list a window, add a shift (never two at once for a reader), remove one. Each change
// is audited in its transaction.
@Injectable()
export class DutyShiftsService {
  constructor(
    private readonly repo: DutyShiftsRepository,
    private readonly audit: AuditService,
    @Inject(ROSTER_CHANGED) private readonly routing: RosterChanged,
  ) {}

  async list(q: DutyShiftsQueryDto): Promise<DutyShiftView[]> {
    const f = q.from ?? new Date(Date.now() - 86400_000).toISOString();
    const t = q.to ?? new Date(Date.now() + 7 * 86400_000).toISOString();
    return (await this.repo.between(f, t)).map(toDutyShiftView);
  }

  async create(dto: DutyShiftDto): Promise<CreatedDutyShiftView> {
    if (Date.parse(dto.endsAt) <= Date.parse(dto.startsAt))
      throw new AppError('VALIDATION_FAILED', 'The shift must end after it starts.', { fields: ['endsAt'] });
    const u = await this.repo.reader(dto.userId);
    if (!u || u.role !== 'specialist' || !u.readingCentreId)
      throw new AppError('VALIDATION_FAILED', 'Shifts are for specialists of a reading centre.', {
        fields: ['userId'],
      });
    const readingCentreId = u.readingCentreId;
    const id = await this.repo.inTransaction(async (m) => {
      // One reader cannot hold two shifts at once: checked with the reader's row locked, so two
      // administrators adding shifts at the same time cannot both pass the check.
      await this.repo.lockReader(m, dto.userId);
      const clash = await this.repo.clash(m, dto.userId, dto.startsAt, dto.endsAt);
      if (clash)
        throw new AppError('CONFLICT', 'This specialist already has a shift at that time.', {
          reason: 'overlapping_shift',
          shift: { id: clash.id, startsAt: clash.startsAt.toISOString(), endsAt: clash.endsAt.toISOString() },
        });
      const inserted = await this.repo.insert(m, dto.userId, readingCentreId, dto.startsAt, dto.endsAt);
      await this.audit.record(
        {
          action: 'duty_shift.create',
          resourceType: 'duty_shift',
          resourceId: inserted,
          outcome: 'success',
          details: { userId: dto.userId, readingCentreId },
        },
        m,
      );
      return inserted;
    });
    for (const s of SERVICES) this.routing.kick(s);
    return { id, userId: dto.userId, startsAt: dto.startsAt, endsAt: dto.endsAt, readingCentreId };
  }

  async remove(id: string): Promise<void> {
    await this.repo.inTransaction(async (m) => {
      const userId = await this.repo.delete(m, id);
      if (userId === undefined) throw notFound('Shift');
      await this.audit.record(
        {
          action: 'duty_shift.delete',
          resourceType: 'duty_shift',
          resourceId: id,
          outcome: 'success',
          details: { userId },
        },
        m,
      );
    });
  }
}
