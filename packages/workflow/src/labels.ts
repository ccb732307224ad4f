import type {
  CancelReason,
  Disposition,
  Locale,
  Outcome,
  Priority,
  ReasonCode,
  ReferralDirection,
  ReferralEventType,
  ReferralState,
  Role,
  Service,
  Specialty,
  TimerKind,
} from './vocabulary.js';

/** A text in every supported locale: Chinese (simplified) and English. */
export type Label = Readonly<Record<Locale, string>>;

/** Labels of the referral states. */
export const STATE_LABELS: Readonly<Record<ReferralState, Label>> = {
  draft: { 'zh-CN': '草稿', en: 'Draft' },
  submitted: { 'zh-CN': '已提交，待分配', en: 'Submitted' },
  offered: { 'zh-CN': '已派单，待接收', en: 'Offered to a reader' },
  accepted: { 'zh-CN': '已接收', en: 'Accepted' },
  in_review: { 'zh-CN': '诊断中', en: 'In review' },
  info_requested: { 'zh-CN': '待补充资料', en: 'Information requested' },
  reported: { 'zh-CN': '已出报告', en: 'Reported' },
  plan_agreed: { 'zh-CN': '治疗方案已确认', en: 'Plan agreed' },
  acknowledged: { 'zh-CN': '患者已知晓', en: 'Acknowledged by patient' },
  closed: { 'zh-CN': '已结案', en: 'Closed' },
  cancelled: { 'zh-CN': '已取消', en: 'Cancelled' },
};

/** Labels of the events, as action names for buttons and history. */
export const EVENT_LABELS: Readonly<Record<ReferralEventType, Label>> = {
  update_draft: { 'zh-CN': '修改草稿', en: 'Edit draft' },
  attach_study: { 'zh-CN': '添加检查', en: 'Attach study' },
  submit: { 'zh-CN': '提交转诊', en: 'Submit' },
  change_priority: { 'zh-CN': '调整优先级', en: 'Change priority' },
  offer: { 'zh-CN': '派单', en: 'Offer to reader' },
  claim: { 'zh-CN': '认领', en: 'Claim' },
  accept: { 'zh-CN': '接收', en: 'Accept' },
  decline: { 'zh-CN': '拒绝接收', en: 'Decline' },
  reassign: { 'zh-CN': '改派', en: 'Reassign' },
  return_to_queue: { 'zh-CN': '退回队列', en: 'Return to queue' },
  start_review: { 'zh-CN': '开始诊断', en: 'Start review' },
  request_info: { 'zh-CN': '请求补充资料', en: 'Request information' },
  answer_info: { 'zh-CN': '补充资料', en: 'Answer request' },
  sign_report: { 'zh-CN': '签发报告', en: 'Sign report' },
  add_addendum: { 'zh-CN': '添加补充报告', en: 'Add addendum' },
  hand_over: { 'zh-CN': '移交诊断医生', en: 'Hand over' },
  propose_plan: { 'zh-CN': '提出治疗方案', en: 'Propose plan' },
  revise_plan: { 'zh-CN': '修改治疗方案', en: 'Revise plan' },
  set_appointment: { 'zh-CN': '预约上级医院就诊', en: 'Book hub appointment' },
  sign_plan: { 'zh-CN': '签署方案', en: 'Sign plan' },
  countersign_plan: { 'zh-CN': '会签方案', en: 'Countersign plan' },
  acknowledge: { 'zh-CN': '确认知晓', en: 'Acknowledge' },
  close: { 'zh-CN': '结案', en: 'Close' },
  refer_back_down: { 'zh-CN': '下转社区', en: 'Refer back down' },
  cancel: { 'zh-CN': '取消转诊', en: 'Cancel referral' },
  offer_expired: { 'zh-CN': '派单超时', en: 'Offer expired' },
  acceptance_overdue: { 'zh-CN': '接收超时', en: 'Acceptance overdue' },
  report_due_soon: { 'zh-CN': '报告即将超时', en: 'Report due soon' },
  report_overdue: { 'zh-CN': '报告超时', en: 'Report overdue' },
};

/** Labels of the roles. */
export const ROLE_LABELS: Readonly<Record<Role, Label>> = {
  community_doctor: { 'zh-CN': '社区医生', en: 'Community doctor' },
  specialist: { 'zh-CN': '诊断医生', en: 'Specialist' },
  coordinator: { 'zh-CN': '转诊协调员', en: 'Coordinator' },
  admin: { 'zh-CN': '管理员', en: 'Administrator' },
  patient: { 'zh-CN': '患者', en: 'Patient' },
  system: { 'zh-CN': '系统', en: 'System' },
};

/** Labels of the reading specialties. */
export const SPECIALTY_LABELS: Readonly<Record<Specialty, Label>> = {
  radiology: { 'zh-CN': '放射科', en: 'Radiology' },
  cardiology: { 'zh-CN': '心血管内科', en: 'Cardiology' },
};

/** Labels of the services. */
export const SERVICE_LABELS: Readonly<Record<Service, Label>> = {
  ECG: { 'zh-CN': '心电图', en: 'ECG' },
  IMAGING: { 'zh-CN': '医学影像', en: 'Imaging' },
};

/** Labels of the priorities. */
export const PRIORITY_LABELS: Readonly<Record<Priority, Label>> = {
  STAT: { 'zh-CN': '急诊（立即）', en: 'STAT' },
  URGENT: { 'zh-CN': '加急', en: 'Urgent' },
  ROUTINE: { 'zh-CN': '常规', en: 'Routine' },
};

/** Labels of the directions of a two-way referral. */
export const DIRECTION_LABELS: Readonly<Record<ReferralDirection, Label>> = {
  up: { 'zh-CN': '上转', en: 'Referral up' },
  down: { 'zh-CN': '下转', en: 'Referral back down' },
};

/** Labels of the dispositions, for doctors. */
export const DISPOSITION_LABELS: Readonly<Record<Disposition, Label>> = {
  manage_in_community: { 'zh-CN': '社区诊治', en: 'Manage at the community centre' },
  refer_up_outpatient: { 'zh-CN': '上转门诊', en: 'Refer up: outpatient' },
  refer_up_inpatient: { 'zh-CN': '上转住院', en: 'Refer up: inpatient' },
  refer_up_emergency: { 'zh-CN': '上转急诊', en: 'Refer up: emergency' },
};

/** The disposition in plain language, for the patient's decision page. */
export const DISPOSITION_PATIENT_TEXT: Readonly<Record<Disposition, Label>> = {
  manage_in_community: {
    'zh-CN': '您可以在社区卫生服务中心继续治疗，社区医生会告诉您下一步怎么做。',
    en: 'You can be treated at your community health centre. Your community doctor will tell you what to do next.',
  },
  refer_up_outpatient: {
    'zh-CN': '请按预约时间到上级医院门诊就诊。',
    en: 'Please go to the hospital outpatient clinic at your appointment time.',
  },
  refer_up_inpatient: {
    'zh-CN': '您需要住院治疗，请按预约时间到上级医院办理住院。',
    en: 'You need to stay in hospital. Please go to the hospital at your appointment time to be admitted.',
  },
  refer_up_emergency: {
    'zh-CN': '请立即前往上级医院急诊科。如病情加重，请拨打120。',
    en: 'Please go to the hospital emergency department now. If you feel worse, call 120.',
  },
};

/** Labels of the outcomes. */
export const OUTCOME_LABELS: Readonly<Record<Outcome, Label>> = {
  treated_in_community: { 'zh-CN': '社区治疗', en: 'Treated at the community centre' },
  seen_at_hub: { 'zh-CN': '上级医院门诊就诊', en: 'Seen at the hub' },
  admitted_at_hub: { 'zh-CN': '上级医院住院', en: 'Admitted at the hub' },
  referred_back_down: { 'zh-CN': '已下转社区随访', en: 'Referred back down for follow-up' },
  follow_up_completed: { 'zh-CN': '随访完成', en: 'Follow-up completed' },
  patient_declined: { 'zh-CN': '患者拒绝', en: 'Patient declined' },
  lost_to_follow_up: { 'zh-CN': '失访', en: 'Lost to follow-up' },
  died: { 'zh-CN': '死亡', en: 'Died' },
};

/** Labels of the cancellation reasons. */
export const CANCEL_REASON_LABELS: Readonly<Record<CancelReason, Label>> = {
  patient_withdrew: { 'zh-CN': '患者撤回', en: 'Patient withdrew' },
  patient_transferred: { 'zh-CN': '患者已转往他处', en: 'Patient transferred elsewhere' },
  patient_died: { 'zh-CN': '患者死亡', en: 'Patient died' },
  duplicate: { 'zh-CN': '重复转诊', en: 'Duplicate referral' },
  entered_in_error: { 'zh-CN': '录入错误', en: 'Entered in error' },
  no_longer_needed: { 'zh-CN': '不再需要', en: 'No longer needed' },
};

/** Labels of the timers. */
export const TIMER_LABELS: Readonly<Record<TimerKind, Label>> = {
  offer_timeout: { 'zh-CN': '派单接收时限', en: 'Offer timeout' },
  accept_deadline: { 'zh-CN': '接收截止时间', en: 'Accept deadline' },
  report_warning: { 'zh-CN': '报告预警时间', en: 'Report warning' },
  report_deadline: { 'zh-CN': '报告截止时间', en: 'Report deadline' },
};

/** User-facing messages for the reason codes. They carry no patient data. */
export const REASON_LABELS: Readonly<Record<ReasonCode, Label>> = {
  workflow_version_mismatch: {
    'zh-CN': '该转诊使用旧版流程规则，需先迁移',
    en: 'This referral uses an older version of the rules and must be migrated first',
  },
  invalid_snapshot: { 'zh-CN': '转诊数据无效', en: 'The stored referral is not valid' },
  invalid_time: { 'zh-CN': '时间无效', en: 'The time given is not valid' },
  invalid_event: { 'zh-CN': '无法识别的操作', en: 'Unknown action' },
  invalid_actor: { 'zh-CN': '无法识别操作人', en: 'The acting user is not valid' },
  invalid_input: { 'zh-CN': '填写的信息不完整或无效', en: 'Some information is missing or not valid' },
  terminal_state: { 'zh-CN': '该转诊已结束', en: 'This referral has ended' },
  not_allowed_in_state: {
    'zh-CN': '当前状态下不能执行此操作',
    en: "This action is not possible in the referral's current state",
  },
  role_not_allowed: { 'zh-CN': '您的角色不能执行此操作', en: 'Your role cannot take this action' },
  outside_facility: { 'zh-CN': '该转诊不属于您所在的机构', en: 'This referral belongs to another centre' },
  specialty_mismatch: { 'zh-CN': '专业与检查类型不符', en: 'The specialty does not match the service' },
  not_offered_to_you: { 'zh-CN': '该转诊未派给您', en: 'This referral was not offered to you' },
  not_assignee: {
    'zh-CN': '只有负责该转诊的诊断医生可以执行此操作',
    en: 'Only the specialist reading this referral can do this',
  },
  not_own_referral: { 'zh-CN': '这不是您的转诊', en: 'This is not your referral' },
  no_studies: { 'zh-CN': '请至少添加一项检查', en: 'Attach at least one study first' },
  no_clinical_question: { 'zh-CN': '请填写临床问题', en: 'Write the clinical question first' },
  consent_required: {
    'zh-CN': '请先记录患者的远程诊断知情同意',
    en: "Record the patient's consent to remote diagnosis first",
  },
  nothing_to_change: { 'zh-CN': '没有需要修改的内容', en: 'Nothing has changed' },
  same_priority: { 'zh-CN': '优先级未改变', en: 'The priority is already set to that' },
  already_declined: { 'zh-CN': '该医生已拒绝过此转诊', en: 'That specialist has already declined this referral' },
  same_specialist: { 'zh-CN': '已由该医生负责', en: 'That specialist already has this referral' },
  invalid_disposition: { 'zh-CN': '请选择有效的处置意见', en: 'Choose a valid disposition' },
  plan_exists: { 'zh-CN': '治疗方案已存在，请修改现有方案', en: 'A plan already exists; revise it instead' },
  no_plan: { 'zh-CN': '尚无治疗方案', en: 'There is no treatment plan yet' },
  stale_plan_version: {
    'zh-CN': '方案已更新，请查看最新版本后再签署',
    en: 'The plan has changed; review the latest version before signing',
  },
  already_signed: { 'zh-CN': '您已签署此版本', en: 'You have already signed this version' },
  countersign_instead: { 'zh-CN': '对方已签署，请会签', en: 'The other doctor has signed; countersign instead' },
  awaiting_first_signature: { 'zh-CN': '请等待对方先签署', en: 'Waiting for the other doctor to sign first' },
  hub_appointment_required: { 'zh-CN': '请先预约上级医院就诊时间', en: 'Book the hub appointment first' },
  hub_appointment_not_applicable: {
    'zh-CN': '该处置方式无需预约上级医院',
    en: 'This disposition takes no hub appointment',
  },
  invalid_appointment: { 'zh-CN': '预约信息无效', en: 'The appointment is not valid' },
  appointment_in_past: { 'zh-CN': '预约时间已过', en: 'The appointment time has passed' },
  invalid_outcome: { 'zh-CN': '请选择有效的结案结果', en: 'Choose a valid outcome' },
  outcome_conflicts_with_plan: {
    'zh-CN': '结案结果与治疗方案不符',
    en: 'The outcome does not match the agreed plan',
  },
  invalid_cancel_reason: { 'zh-CN': '请选择取消原因', en: 'Choose a reason for cancelling' },
  not_referred_up: {
    'zh-CN': '患者未被上转，不能下转',
    en: 'The patient was not referred up, so cannot be referred back down',
  },
  invalid_back_referral_id: { 'zh-CN': '下转单编号无效', en: 'The back-referral id is not valid' },
  timer_not_active: { 'zh-CN': '该计时器未在运行', en: 'That timer is not running' },
  timer_not_due: { 'zh-CN': '计时器尚未到期', en: 'That timer is not due yet' },
};
