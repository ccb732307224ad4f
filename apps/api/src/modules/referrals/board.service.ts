import { Injectable } from '@nestjs/common';
import type { BoardView } from '@zhiyin/contracts';
import {
  AFTER_REPORT_STATES,
  APPOINTMENT_DISPOSITIONS,
  AWAITING_REPORT_STATES,
  inStateGroup,
  SERVICES,
} from '@zhiyin/workflow';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { toBoardAppointment, toBoardQueueItem, toPoolCentre, toPoolSpecialist } from './board.mapper.js';
import { ReferralRepository } from './referral.repository.js';
import { rulesActor, TransitionService } from './transition.service.js';

/** The same window the router uses: a specialist seen this recently is online. */
const ONLINE_WINDOW_SECONDS = 45;

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

  async board(actor: Actor): Promise<BoardView> {
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
    const queue = rows
      .filter((r) => inStateGroup('awaitingReport', r.state))
      .map((r) => toBoardQueueItem(r, rules, now));
    const appointments = rows
      .filter((r) => inStateGroup('afterReport', r.state) && r.snapshot.plan)
      .map((r) => toBoardAppointment(r, rules, now));
    return {
      now: now.toISOString(),
      pools: SERVICES.map((service) => ({
        service,
        centres: centres.filter((c) => c.service === service).map(toPoolCentre),
        queue: queue.filter((q) => q.service === service),
        specialists: specialists
          .filter((s) => (s.specialty === 'cardiology' ? 'ECG' : 'IMAGING') === service)
          .map(toPoolSpecialist),
      })),
      appointments,
    };
  }
}
