import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { AppError, notFound } from '#src/common/errors.js';
import { ROLES, type Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { staticRooms } from '#src/modules/realtime/rooms.js';
import {
  AttachStudyDto,
  CreateReferralDto,
  DutyShiftDto,
  DutyShiftsQueryDto,
  EventsQueryDto,
  ListReferralsDto,
  PostMessageDto,
  ReferralEventDto,
  UpdateReferralDto,
} from './dto.js';
import { ReferralsService } from './referrals.service.js';
import { RouterService } from './router.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });
const STAFF_READERS = ['community_doctor', 'specialist', 'coordinator'] as const;

@ApiTags('referrals')
@ApiBearerAuth()
@Controller('referrals')
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Post()
  @Roles('community_doctor')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateReferralDto) {
    return this.referrals.create(actor, dto);
  }

  @Get()
  @Roles(...STAFF_READERS)
  list(@CurrentActor() actor: Actor, @Query() q: ListReferralsDto) {
    return this.referrals.list(actor, q);
  }

  /** A specialist takes the most urgent waiting referral of their pool. */
  @Post('claim-next')
  @HttpCode(200)
  @Roles('specialist')
  claimNext(@CurrentActor() actor: Actor) {
    return this.referrals.claimNext(actor);
  }

  @Get(':id')
  @Roles(...STAFF_READERS)
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.referrals.get(actor, id);
  }

  @Patch(':id')
  @Roles('community_doctor')
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: UpdateReferralDto) {
    return this.referrals.update(actor, id, dto);
  }

  @Post(':id/studies')
  @HttpCode(200)
  @Roles('community_doctor')
  attach(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: AttachStudyDto) {
    return this.referrals.attachStudy(actor, id, dto.studyInstanceUid, dto.patientOverrideReason);
  }

  /** Moves the referral: submit, accept, decline, ask and answer, reassign, cancel, close… */
  @Post(':id/events')
  @HttpCode(200)
  @Roles(...STAFF_READERS)
  fire(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: ReferralEventDto) {
    return this.referrals.fire(actor, id, dto);
  }

  @Get(':id/messages')
  @Roles(...STAFF_READERS)
  messages(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.referrals.messages(actor, id);
  }

  @Post(':id/messages')
  @Roles(...STAFF_READERS)
  post(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: PostMessageDto) {
    return this.referrals.postMessage(actor, id, dto.body);
  }
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(private readonly outbox: OutboxService) {}

  /** Events after the given id in the caller's rooms, oldest first: catch-up after a long disconnection. */
  @Get()
  @Roles(...ROLES)
  async replay(@CurrentActor() actor: Actor, @Query() q: EventsQueryDto) {
    const limit = q.limit ?? 500;
    const items = await this.outbox.replay(staticRooms(actor), q.after, limit);
    return { items, more: items.length === limit };
  }
}

// Duty rosters of the reading centres: who reads when.
@ApiTags('duty-shifts')
@ApiBearerAuth()
@Controller('duty-shifts')
export class DutyShiftsController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly router: RouterService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Roles('coordinator', 'admin', 'specialist')
  list(@Query() q: DutyShiftsQueryDto) {
    const f = q.from ?? new Date(Date.now() - 86400_000).toISOString();
    const t = q.to ?? new Date(Date.now() + 7 * 86400_000).toISOString();
    return this.ds.query(
      `SELECT d.id, d.user_id AS "userId", d.reading_centre_id AS "readingCentreId", d.starts_at AS "startsAt", d.ends_at AS "endsAt",
              u.display_name_zh AS "nameZh", u.display_name_en AS "nameEn", u.specialty
         FROM duty_shift d JOIN app_user u ON u.id = d.user_id
        WHERE d.ends_at > $1 AND d.starts_at < $2 ORDER BY d.starts_at`,
      [f, t],
    );
  }

  @Post()
  @Roles('coordinator', 'admin')
  async create(@Body() dto: DutyShiftDto) {
    if (Date.parse(dto.endsAt) <= Date.parse(dto.startsAt))
      throw new AppError('VALIDATION_FAILED', 'The shift must end after it starts.', { fields: ['endsAt'] });
    const [u] = await this.ds.query<{ reading_centre_id: string | null; role: string }[]>(
      'SELECT reading_centre_id, role FROM app_user WHERE id = $1',
      [dto.userId],
    );
    if (!u || u.role !== 'specialist' || !u.reading_centre_id)
      throw new AppError('VALIDATION_FAILED', 'Shifts are for specialists of a reading centre.', {
        fields: ['userId'],
      });
    const row = await this.ds.transaction(async (m) => {
      // One reader cannot hold two shifts at once: checked with the reader's row locked, so two
      // administrators adding shifts at the same time cannot both pass the check.
      await m.query('SELECT id FROM app_user WHERE id = $1 FOR UPDATE', [dto.userId]);
      const [clash] = await m.query<{ id: string; starts_at: Date; ends_at: Date }[]>(
        `SELECT id, starts_at, ends_at FROM duty_shift
          WHERE user_id = $1 AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at LIMIT 1`,
        [dto.userId, dto.startsAt, dto.endsAt],
      );
      if (clash)
        throw new AppError('CONFLICT', 'This specialist already has a shift at that time.', {
          reason: 'overlapping_shift',
          shift: { id: clash.id, startsAt: clash.starts_at, endsAt: clash.ends_at },
        });
      const [inserted] = await m.query<{ id: string }[]>(
        'INSERT INTO duty_shift (user_id, reading_centre_id, starts_at, ends_at) VALUES ($1, $2, $3, $4) RETURNING id',
        [dto.userId, u.reading_centre_id, dto.startsAt, dto.endsAt],
      );
      await this.audit.record(
        {
          action: 'duty_shift.create',
          resourceType: 'duty_shift',
          resourceId: inserted!.id,
          outcome: 'success',
          details: { userId: dto.userId, readingCentreId: u.reading_centre_id },
        },
        m,
      );
      return inserted;
    });
    this.router.kick('ECG');
    this.router.kick('IMAGING');
    return { id: row!.id, ...dto, readingCentreId: u.reading_centre_id };
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('coordinator', 'admin')
  async remove(@Param('id', uuid) id: string) {
    await this.ds.transaction(async (m) => {
      const result = await m.query<[{ user_id: string }[], number]>(
        'DELETE FROM duty_shift WHERE id = $1 RETURNING user_id',
        [id],
      );
      if (result[1] === 0) throw notFound('Shift');
      await this.audit.record(
        {
          action: 'duty_shift.delete',
          resourceType: 'duty_shift',
          resourceId: id,
          outcome: 'success',
          details: { userId: result[0][0]!.user_id },
        },
        m,
      );
    });
  }
}
