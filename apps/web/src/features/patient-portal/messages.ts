// Messages of this screen area: 简体中文 first (its keys are the message keys), English with exactly
// the same keys (the compiler refuses a missing or extra one). Keys start with the area's prefix.
export const zh = {
  'patientPortal.whereTitle': '在哪里治疗',
  'patientPortal.revising':
    '您的医生正在修改之前商定的诊疗决定（例如重新预约）。两位医生签署新的决定后，会显示在这里。',
  'patientPortal.address': '地址：{address}',
  'patientPortal.appointmentTitle': '就诊预约',
  'patientPortal.date': '日期',
  'patientPortal.time': '时间',
  'patientPortal.beijingTime': '（北京时间）',
  'patientPortal.department': '科室',
  'patientPortal.place': '地点',
  'patientPortal.nextTitle': '下一步怎么做',
  'patientPortal.diagnosis': '诊断',
  'patientPortal.instructions': '医生嘱咐',
  'patientPortal.medications': '用药',
  'patientPortal.tests': '需要做的检查',
  'patientPortal.followUp': '复诊',
  'patientPortal.bring': '请带上',
  'patientPortal.doctorsWords': '',
  'patientPortal.urgentTitle': '出现以下情况请立即就医',
  'patientPortal.ackTitle': '确认知晓',
  'patientPortal.ackIntro': '请读完以上内容后点击下面的按钮，让医生知道您已经收到这个决定。',
  'patientPortal.acknowledge': '我已阅读并知晓',
  'patientPortal.acknowledging': '正在提交…',
  'patientPortal.ackDone': '您已确认知晓这个决定。医生会收到通知。',
  'patientPortal.ackDoneAt': '您已于 {time} 确认知晓这个决定。医生会收到通知。',
  'patientPortal.reference': '转诊号 {number} · 方案第 {version} 版',
} as const;

// This area's keys join the message keys (i18n/i18n.tsx).
declare module '../../i18n/i18n' {
  interface FeatureMessages {
    'patient-portal': typeof zh;
  }
}

export const en: Record<keyof typeof zh, string> = {
  'patientPortal.whereTitle': 'Where you will be treated',
  'patientPortal.revising':
    'Your doctors are changing the decision they agreed (for example, a new appointment). The new decision appears here once both doctors have signed it.',
  'patientPortal.address': 'Address: {address}',
  'patientPortal.appointmentTitle': 'Your appointment',
  'patientPortal.date': 'Date',
  'patientPortal.time': 'Time',
  'patientPortal.beijingTime': '(Beijing time)',
  'patientPortal.department': 'Department',
  'patientPortal.place': 'Place',
  'patientPortal.nextTitle': 'What to do next',
  'patientPortal.diagnosis': 'Diagnosis',
  'patientPortal.instructions': "Your doctor's instructions",
  'patientPortal.medications': 'Medicines',
  'patientPortal.tests': 'Tests to have',
  'patientPortal.followUp': 'Follow-up',
  'patientPortal.bring': 'Please bring',
  'patientPortal.doctorsWords':
    'Your doctors wrote these notes in Chinese; ask your community doctor if anything is unclear.',
  'patientPortal.urgentTitle': 'Get help at once if',
  'patientPortal.ackTitle': 'Tell your doctor you have read this',
  'patientPortal.ackIntro':
    'When you have read everything above, press the button so your doctors know you have the decision.',
  'patientPortal.acknowledge': 'I have read and understood',
  'patientPortal.acknowledging': 'Sending…',
  'patientPortal.ackDone': 'You have confirmed you read this decision. Your doctors are told.',
  'patientPortal.ackDoneAt': 'You confirmed you read this decision on {time}. Your doctors are told.',
  'patientPortal.reference': 'Referral {number} · plan version {version}',
};
