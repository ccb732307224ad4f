import { REASON_LABELS, type ReasonCode } from '@zhiyin/workflow';
import { AppError, type ErrorCode } from '#src/common/errors.js';

// How a refusal of the referral rules answers over HTTP. Scope refusals look like "not found".
function codeFor(reason: ReasonCode): ErrorCode {
  switch (reason) {
    case 'invalid_snapshot':
    case 'workflow_version_mismatch':
    case 'invalid_time':
    case 'invalid_actor':
      return 'INTERNAL';
    case 'invalid_event':
    case 'invalid_input':
    case 'invalid_disposition':
    case 'invalid_appointment':
    case 'invalid_outcome':
    case 'invalid_cancel_reason':
    case 'invalid_back_referral_id':
      return 'VALIDATION_FAILED';
    case 'role_not_allowed':
    case 'specialty_mismatch':
    case 'not_offered_to_you':
    case 'not_assignee':
      return 'FORBIDDEN';
    case 'outside_facility':
    case 'not_own_referral':
      return 'NOT_FOUND';
    case 'terminal_state':
    case 'not_allowed_in_state':
    case 'no_studies':
    case 'no_clinical_question':
    case 'nothing_to_change':
    case 'same_priority':
    case 'already_declined':
    case 'same_specialist':
    case 'plan_exists':
    case 'no_plan':
    case 'stale_plan_version':
    case 'already_signed':
    case 'countersign_instead':
    case 'awaiting_first_signature':
    case 'hub_appointment_required':
    case 'hub_appointment_not_applicable':
    case 'appointment_in_past':
    case 'outcome_conflicts_with_plan':
    case 'not_referred_up':
    case 'timer_not_active':
    case 'timer_not_due':
      return 'STALE_STATE';
    case 'consent_required':
      return 'CONSENT_REQUIRED';
  }
}

export function refusal(reason: ReasonCode, state?: string): AppError {
  const code = codeFor(reason);
  if (code === 'NOT_FOUND') return new AppError('NOT_FOUND', 'Referral not found.');
  const label = REASON_LABELS[reason];
  return new AppError(code, label?.en ?? reason, { reason, labelZh: label?.['zh-CN'], ...(state ? { state } : {}) });
}
