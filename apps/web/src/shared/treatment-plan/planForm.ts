import type { Medication, PlanInput, PlanVersionView } from '@zhiyin/contracts';
import { needsHubAppointment, type Disposition } from '@zhiyin/workflow';
import type { MessageKey } from '../../i18n/i18n';

// The plan form's values and the body it sends: what the panel edits, kept apart from how it is drawn.

export const MED_FIELDS = ['name', 'dose', 'route', 'frequency', 'duration'] as const;
export const EMPTY_MED: Medication = { name: '', dose: '', route: '', frequency: '', duration: '' };

/** The form's values, as typed (strings; the appointment time as a datetime-local value). */
export interface PlanForm {
  diagnosis: string;
  medications: Medication[];
  tests: string;
  followUp: string;
  whereTreated: string;
  instructions: string;
  warningSigns: string;
  bring: string;
  disposition: Disposition;
  appointmentAt: string;
  department: string;
  place: string;
}

/** A datetime-local value (local time, minutes) for an ISO time. */
function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The form for revising `v`, or an empty one proposing `fallback` as the disposition. */
export function formOf(v: PlanVersionView | null, fallback: Disposition): PlanForm {
  const c = v?.content;
  return {
    diagnosis: c?.diagnosis ?? '',
    medications: c?.medications?.length ? c.medications.map((m) => ({ ...m })) : [],
    tests: c?.tests ?? '',
    followUp: c?.followUp ?? '',
    whereTreated: c?.whereTreated ?? '',
    instructions: c?.instructions ?? '',
    warningSigns: c?.warningSigns ?? '',
    bring: c?.bring ?? '',
    disposition: v?.disposition ?? fallback,
    appointmentAt: localInput(v?.hubAppointment?.at),
    department: v?.hubAppointment?.department ?? '',
    place: c?.appointmentPlace ?? '',
  };
}

/** The body to send for the form, or the message that says what is missing. */
export function planInputOf(form: PlanForm): { body: PlanInput } | { missing: MessageKey } {
  const meds = form.medications.filter((m) => MED_FIELDS.some((k) => m[k].trim()));
  if (!form.diagnosis.trim()) return { missing: 'referrals.plan.needDiagnosis' };
  if (meds.some((m) => MED_FIELDS.some((k) => !m[k].trim()))) return { missing: 'referrals.plan.needMedFields' };
  const withAppointment = needsHubAppointment(form.disposition);
  if (withAppointment && form.appointmentAt && !form.department.trim())
    return { missing: 'referrals.plan.needDepartment' };
  const opt = (v: string) => (v.trim() ? v.trim() : undefined);
  return {
    body: {
      disposition: form.disposition,
      content: {
        diagnosis: form.diagnosis.trim(),
        medications: meds.map((m) => ({
          name: m.name.trim(),
          dose: m.dose.trim(),
          route: m.route.trim(),
          frequency: m.frequency.trim(),
          duration: m.duration.trim(),
        })),
        tests: opt(form.tests),
        followUp: opt(form.followUp),
        whereTreated: opt(form.whereTreated),
        instructions: opt(form.instructions),
        warningSigns: opt(form.warningSigns),
        bring: opt(form.bring),
      },
      ...(withAppointment && form.appointmentAt
        ? {
            hubAppointment: {
              at: new Date(form.appointmentAt).toISOString(),
              department: form.department.trim(),
              ...(form.place.trim() ? { place: form.place.trim() } : {}),
            },
          }
        : {}),
    },
  };
}
