import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import type { Actor } from '#src/common/request-context.js';
import { ClinicalService } from './clinical.service.js';
import { AddendumDto, HubAppointmentDto, PlanDto, ReportDraftDto, SignPlanDto, WeeklyFiguresDto } from './dto.js';
import { FiguresService } from './figures.service.js';
import { searchIcd10 } from './icd10.js';
import { ReportPdfService } from './report-pdf.service.js';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });
const STAFF = ['community_doctor', 'specialist', 'coordinator'] as const;

@ApiTags('reports and plans')
@ApiBearerAuth()
@Controller('referrals/:id')
export class ClinicalController {
  constructor(
    private readonly clinical: ClinicalService,
    private readonly reportPdf: ReportPdfService,
  ) {}

  @Get('report')
  @Roles(...STAFF)
  @ApiView('ReportView', { nullable: true })
  report(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.clinical.report(actor, id);
  }

  /** Saves the draft as the specialist types (any subset of fields). */
  @Put('report')
  @Roles('specialist')
  @ApiView('ReportView')
  saveDraft(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: ReportDraftDto) {
    return this.clinical.saveDraft(actor, id, dto);
  }

  @Post('report/sign')
  @HttpCode(200)
  @Roles('specialist')
  @ApiView('ReportView')
  sign(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.clinical.sign(actor, id);
  }

  @Post('report/addenda')
  @Roles('specialist')
  @ApiView('ReportView', { status: 201 })
  addendum(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: AddendumDto) {
    return this.clinical.addAddendum(actor, id, dto.body);
  }

  /** The signed report as a printable PDF with the hub's header. */
  @Get('report/pdf')
  @Roles(...STAFF)
  async pdf(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Res() res: Response) {
    const { number, body } = await this.reportPdf.render(actor, id);
    res.status(200).type('application/pdf').setHeader('Content-Disposition', `inline; filename="report-${number}.pdf"`);
    res.end(body);
  }

  @Get('plan')
  @Roles(...STAFF)
  @ApiView('PlanView')
  plan(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.clinical.plan(actor, id);
  }

  /** Proposes the plan, or revises it (a new version; both signatures start again). */
  @Post('plan')
  @HttpCode(200)
  @Roles('community_doctor', 'specialist')
  @ApiView('PlanView')
  savePlan(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: PlanDto) {
    return this.clinical.savePlan(actor, id, dto);
  }

  @Post('plan/sign')
  @HttpCode(200)
  @Roles('community_doctor', 'specialist')
  @ApiView('PlanView')
  signPlan(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: SignPlanDto) {
    return this.clinical.signPlan(actor, id, dto.version);
  }

  @Post('plan/appointment')
  @HttpCode(200)
  @Roles('coordinator')
  @ApiView('PlanView')
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
  @ApiView('PatientDecisionView')
  decision(@CurrentActor() actor: Actor) {
    return this.clinical.decision(actor);
  }

  @Post('acknowledge')
  @HttpCode(200)
  @Roles('patient')
  @ApiView('PatientDecisionView')
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
  @ApiView('WeeklyFiguresView')
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
  @ApiView('Icd10EntryView', { array: true })
  search(@Query('q') q?: string) {
    return searchIcd10(typeof q === 'string' ? q.slice(0, 50) : '');
  }
}
