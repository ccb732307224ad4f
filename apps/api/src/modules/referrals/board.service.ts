import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  APPOINTMENT_DISPOSITIONS,
  availableEvents,
  SERVICES,
  type ReferralSnapshot,
  type Service,
} from '@zhiyin/workflow';
import { DataSource } from 'typeorm';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { rulesActor, TransitionService } from './transition.service.js';

/** The same window the router uses: a specialist seen this recently is online. */
const ONLINE_WINDOW_SECONDS = 45;
const QUEUE_STATES = ['submitted', 'offered', 'accepted', 'in_review', 'info_requested'];
const AFTER_REPORT_STATES = ['reported', 'plan_agreed', 'acknowledged'];

interface PersonRef {
  id: string;
  nameZh: string;
  nameEn: string;
}

interface BoardRow {
  id: string;
  number: string;
  state: string;
  service: Service;
  modality: string | null;
  priority: string;
  patient_id: string;
  submitted_at: Date | null;
  updated_at: Date;
  row_version: number;
  snapshot: ReferralSnapshot;
  centre_code: string;
  centre_zh: string;
  centre_en: string;
  assignee_zh: string | null;
  assignee_en: string | null;
  offered_zh: string | null;
  offered_en: string | null;
  patient_name: string | null;
  patient_name_pinyin: string | null;
  place: string | null;
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
    @InjectDataSource() private readonly ds: DataSource,
    private readonly transitions: TransitionService,
    private readonly audit: AuditService,
  ) {}

  async board(actor: Actor) {
    const now = this.transitions.now();
    const rows = await this.ds.query<BoardRow[]>(
      `SELECT r.id, r.number, r.state, r.service, r.modality, r.priority, r.patient_id, r.submitted_at, r.updated_at,
              r.row_version, r.snapshot, o.code AS centre_code, o.name_zh AS centre_zh, o.name_en AS centre_en,
              a.display_name_zh AS assignee_zh, a.display_name_en AS assignee_en,
              f.display_name_zh AS offered_zh, f.display_name_en AS offered_en,
              CASE WHEN r.state = ANY($2) THEN p.family_name_zh || p.given_name_zh END AS patient_name,
              CASE WHEN r.state = ANY($2) THEN p.name_pinyin END AS patient_name_pinyin,
              CASE WHEN r.state = ANY($2) THEN
                (SELECT v.content->>'appointmentPlace' FROM plan_version v WHERE v.referral_id = r.id ORDER BY v.version DESC LIMIT 1)
              END AS place
         FROM referral r
         JOIN facility o ON o.id = r.origin_facility_id
         JOIN patient p ON p.id = r.patient_id
         LEFT JOIN app_user a ON a.id = r.assignee_id
         LEFT JOIN app_user f ON f.id = r.offered_to
        WHERE r.direction = 'up'
          AND (r.state = ANY($1)
               OR (r.state = ANY($2) AND r.snapshot->'plan'->>'disposition' = ANY($3)))
        ORDER BY r.priority_rank, r.submitted_at NULLS LAST, r.id`,
      [QUEUE_STATES, AFTER_REPORT_STATES, [...APPOINTMENT_DISPOSITIONS]],
    );
    const specialists = await this.ds.query<
      {
        id: string;
        name_zh: string;
        name_en: string;
        specialty: 'radiology' | 'cardiology';
        on_duty: boolean;
        shift_ends_at: Date | null;
        online: boolean;
        load: number;
        offers: number;
      }[]
    >(
      `SELECT u.id, u.display_name_zh AS name_zh, u.display_name_en AS name_en, u.specialty,
              (u.on_duty OR s.ends_at IS NOT NULL) AS on_duty, s.ends_at AS shift_ends_at,
              EXISTS (SELECT 1 FROM presence pr WHERE pr.user_id = u.id AND pr.last_seen > now() - make_interval(secs => $2)) AS online,
              (SELECT count(*) FROM referral r WHERE r.assignee_id = u.id AND r.state IN ('accepted', 'in_review', 'info_requested'))::int AS load,
              (SELECT count(*) FROM referral r WHERE r.offered_to = u.id AND r.state = 'offered')::int AS offers
         FROM app_user u
         LEFT JOIN LATERAL (SELECT max(d.ends_at) AS ends_at FROM duty_shift d
                             WHERE d.user_id = u.id AND $1 >= d.starts_at AND $1 < d.ends_at) s ON true
        WHERE u.role = 'specialist' AND u.active AND u.specialty IS NOT NULL
        ORDER BY u.specialty, u.display_name_en, u.id`,
      [now, ONLINE_WINDOW_SECONDS],
    );
    // The reading centres behind each pool, by the names the administrator gave them (one per hub).
    const centres = await this.ds.query<
      { id: string; hub_id: string; service: Service; name_zh: string; name_en: string }[]
    >(
      `SELECT c.id, c.hub_id, c.service, c.name_zh, c.name_en
         FROM reading_centre c JOIN facility h ON h.id = c.hub_id
        WHERE h.active
        ORDER BY h.code, c.service`,
    );
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
      .filter((r) => QUEUE_STATES.includes(r.state))
      .map((r) => ({
        ...base(r),
        offeredTo: person(r.snapshot.offeredTo, r.offered_zh, r.offered_en),
        timers: r.snapshot.timers,
        escalatedAt: r.snapshot.escalatedAt,
        declinedBy: r.snapshot.declinedBy.length,
      }));
    const appointments = rows
      .filter((r) => AFTER_REPORT_STATES.includes(r.state) && r.snapshot.plan)
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
