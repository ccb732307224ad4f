import { Injectable } from '@nestjs/common';
import {
  AFTER_REPORT_STATES,
  APPOINTMENT_DISPOSITIONS,
  AWAITING_REPORT_STATES,
  availableEvents,
  inStateGroup,
  SERVICES,
} from '@zhiyin/workflow';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ReferralRepository, type BoardRow } from './referral.repository.js';
import { rulesActor, TransitionService } from './transition.service.js';

/** The same window the router uses: a specialist seen this recently is online. */
const ONLINE_WINDOW_SECONDS = 45;

interface PersonRef {
  id: string;
  nameZh: string;
  nameEn: string;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const person = (id: string | null, zh: string | null, en: string | null): PersonRef | null =>
  id ? { id, nameZh: zh ?? '', nameEn: en ?? '' } : null;

// The coordinator's board in one read: the queue of every reading pool with who holds or was
// offered each referral and its turnaround timers, the specialists of each pool (on duty, online,
// load), and the patients referred up to the hub whose plan needs (or has) a hub appointment.
@Injectable()
export class BoardService {
  constructor(
    private readonly repo: ReferralRepository,
    private readonly transitions: TransitionService,
    private readonly audit: AuditService,
  ) {}

  async board(actor: Actor) {
    const now = this.transitions.now();
    const rows = await this.repo.boardRows(AWAITING_REPORT_STATES, AFTER_REPORT_STATES, APPOINTMENT_DISPOSITIONS);
    const specialists = await this.repo.boardSpecialists(now, ONLINE_WINDOW_SECONDS);
    // The reading centres behind each pool, by the names the administrator gave them (one per hub).
    const centres = await this.repo.readingCentres();
    await this.audit.record(
      rows.map((r) => ({
        action: 'referral.board',
        resourceType: 'referral',
        resourceId: r.id,
        patientId: r.patient_id,
        outcome: 'success' as const,
      })),
    );
    const rules = rulesActor(actor);
    const base = (r: BoardRow) => ({
      id: r.id,
      number: r.number,
      state: r.state,
      service: r.service,
      modality: r.modality,
      priority: r.priority,
      centre: { code: r.centre_code, nameZh: r.centre_zh, nameEn: r.centre_en },
      submittedAt: iso(r.submitted_at),
      updatedAt: iso(r.updated_at),
      rowVersion: r.row_version,
      assignee: person(r.snapshot.assigneeId, r.assignee_zh, r.assignee_en),
      availableEvents: availableEvents(r.snapshot, rules, now),
    });
    const queue = rows
      .filter((r) => inStateGroup('awaitingReport', r.state))
      .map((r) => ({
        ...base(r),
        offeredTo: person(r.snapshot.offeredTo, r.offered_zh, r.offered_en),
        timers: r.snapshot.timers,
        escalatedAt: r.snapshot.escalatedAt,
        declinedBy: r.snapshot.declinedBy.length,
      }));
    const appointments = rows
      .filter((r) => inStateGroup('afterReport', r.state) && r.snapshot.plan)
      .map((r) => {
        const plan = r.snapshot.plan!;
        return {
          ...base(r),
          patient: { name: r.patient_name ?? '', namePinyin: r.patient_name_pinyin ?? '' },
          disposition: plan.disposition,
          planVersion: plan.version,
          hubAppointment: plan.hubAppointment ? { ...plan.hubAppointment, place: r.place } : null,
          signatures: {
            communityDoctor: plan.signatures.community_doctor?.version === plan.version,
            specialist: plan.signatures.specialist?.version === plan.version,
          },
        };
      });
    return {
      now: now.toISOString(),
      pools: SERVICES.map((service) => ({
        service,
        centres: centres
          .filter((c) => c.service === service)
          .map((c) => ({ id: c.id, hubId: c.hub_id, nameZh: c.name_zh, nameEn: c.name_en })),
        queue: queue.filter((q) => q.service === service),
        specialists: specialists
          .filter((s) => (s.specialty === 'cardiology' ? 'ECG' : 'IMAGING') === service)
          .map((s) => ({
            id: s.id,
            nameZh: s.name_zh,
            nameEn: s.name_en,
            specialty: s.specialty,
            onDuty: s.on_duty,
            shiftEndsAt: iso(s.shift_ends_at),
            online: s.online,
            load: s.load,
            offers: s.offers,
          })),
      })),
      appointments,
    };
  }
}
