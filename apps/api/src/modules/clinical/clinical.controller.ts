import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Service } from '@zhiyin/workflow';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ClinicalService } from './clinical.service.js';
import { AddendumDto, HubAppointmentDto, PlanDto, ReportDraftDto, SignPlanDto, WeeklyFiguresDto } from './dto.js';
import { FiguresService } from './figures.service.js';
import { searchIcd10 } from './icd10.js';
import { renderReportPdf } from './report-pdf.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });
const STAFF = ['community_doctor', 'specialist', 'coordinator'] as const;

@ApiTags('reports and plans')
@ApiBearerAuth()
@Controller('referrals/:id')
export class ClinicalController {
  constructor(
    private readonly clinical: ClinicalService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Get('report')
  @Roles(...STAFF)
  report(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.clinical.report(actor, id);
  }

  /** Saves the draft as the specialist types (any subset of fields). */
  @Put('report')
  @Roles('specialist')
  saveDraft(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: ReportDraftDto) {
    return this.clinical.saveDraft(actor, id, dto);
  }

  @Post('report/sign')
  @HttpCode(200)
  @Roles('specialist')
  sign(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.clinical.sign(actor, id);
  }

  @Post('report/addenda')
  @Roles('specialist')
  addendum(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: AddendumDto) {
    return this.clinical.addAddendum(actor, id, dto.body);
  }

  /** The signed report as a printable PDF with the hub's header. */
  @Get('report/pdf')
  @Roles(...STAFF)
  async pdf(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Res() res: Response) {
    const { report, patientId } = await this.clinical.visibleReport(actor, id, 'report.pdf');
    if (!report?.signedAt)
      throw new AppError('STALE_STATE', 'There is no signed report yet.', { reason: 'no_signed_report' });
    const [r] = await this.ds.query<Record<string, any>[]>(
      `SELECT r.number, r.service, r.modality, r.clinical_question, p.family_name_zh || p.given_name_zh AS name, p.name_pinyin,
              p.sex, p.birth_date::text AS birth, p.mrn, o.name_zh AS centre_zh, o.name_en AS centre_en,
              h.name_zh AS hub_zh, h.name_en AS hub_en, h.address AS hub_address, rc.name_zh AS rc_zh, rc.name_en AS rc_en
         FROM referral r JOIN patient p ON p.id = r.patient_id JOIN facility o ON o.id = r.origin_facility_id
         JOIN facility h ON h.id = o.hub_id LEFT JOIN reading_centre rc ON rc.hub_id = h.id AND rc.service = r.service
        WHERE r.id = $1`,
      [id],
    );
    const body = await renderReportPdf({
      report,
      number: r!.number,
      service: r!.service as Service,
      modality: r!.modality,
      clinicalQuestion: r!.clinical_question,
      hub: { nameZh: r!.hub_zh, nameEn: r!.hub_en, address: r!.hub_address },
      readingCentre: r!.rc_zh ? { nameZh: r!.rc_zh, nameEn: r!.rc_en } : null,
      centre: { nameZh: r!.centre_zh, nameEn: r!.centre_en },
      patient: { name: r!.name, pinyin: r!.name_pinyin, sex: r!.sex, birthDate: r!.birth, mrn: r!.mrn },
    });
    await this.audit.record({
      action: 'report.pdf',
      resourceType: 'referral',
      resourceId: id,
      patientId,
      outcome: 'success',
    });
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Content-Disposition', `inline; filename="report-${r!.number}.pdf"`);
    res.end(body);
  }

  @Get('plan')
  @Roles(...STAFF)
  plan(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.clinical.plan(actor, id);
  }

  /** Proposes the plan, or revises it (a new version; both signatures start again). */
  @Post('plan')
  @HttpCode(200)
  @Roles('community_doctor', 'specialist')
  savePlan(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: PlanDto) {
    return this.clinical.savePlan(actor, id, dto);
  }

  @Post('plan/sign')
  @HttpCode(200)
  @Roles('community_doctor', 'specialist')
  signPlan(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: SignPlanDto) {
    return this.clinical.signPlan(actor, id, dto.version);
  }

  @Post('plan/appointment')
  @HttpCode(200)
  @Roles('coordinator')
  book(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: HubAppointmentDto) {
    return this.clinical.book(actor, id, dto);
  }
}

@ApiTags('patient')
@ApiBearerAuth()
@Controller('me/decision')
export class DecisionController {
  constructor(private readonly clinical: ClinicalService) {}

  /** The signed-in patient's decision in plain language: where to be treated, when, what next. */
  @Get()
  @Roles('patient')
  decision(@CurrentActor() actor: Actor) {
    return this.clinical.decision(actor);
  }

  @Post('acknowledge')
  @HttpCode(200)
  @Roles('patient')
  acknowledge(@CurrentActor() actor: Actor) {
    return this.clinical.acknowledge(actor);
  }
}

@ApiTags('figures')
@ApiBearerAuth()
@Controller('figures')
export class FiguresController {
  constructor(private readonly figures: FiguresService) {}

  /** Per centre and week: referrals, turnaround (median, 90th percentile), limits missed, dispositions, referrals back down. */
  @Get('weekly')
  @Roles('coordinator', 'admin')
  async weekly(@Query() q: WeeklyFiguresDto, @Res() res: Response) {
    const figures = await this.figures.weekly(q.week);
    if (q.format === 'csv') {
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .setHeader('Content-Disposition', `attachment; filename="zhiyin-${q.week}.csv"`);
      res.end(this.figures.toCsv(figures));
      return;
    }
    res.status(200).json(figures);
  }
}

@ApiTags('reports and plans')
@ApiBearerAuth()
@Controller('icd10')
export class Icd10Controller {
  /** Diagnosis codes for the report form: by code (I21) or by name (心肌梗死, infarction). */
  @Get()
  @Roles(...STAFF)
  search(@Query('q') q?: string) {
    return searchIcd10(typeof q === 'string' ? q.slice(0, 50) : '');
  }
}
