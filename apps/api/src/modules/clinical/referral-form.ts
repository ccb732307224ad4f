import { DISPOSITION_LABELS, SERVICE_LABELS, type Disposition, type Service } from '@zhiyin/workflow';
import type { Institution } from './referral-form.repository.js';
import { ageAt, BOLD, localTime, REGULAR } from './report-pdf.js';

export interface ReferralFormInput {
  direction: 'up' | 'down';
  number: string;
  service: Service;
  priority: string;
  patient: {
    name: string;
    pinyin: string;
    sex: string;
    birthDate: string | null;
    mrn: string;
    nationalIdMasked: string | null;
  };
  from: Institution;
  to: Institution;
  clinicalQuestion: string | null;
  history: string | null;
  /** the signed report of the referral up: impression and ICD-10 codes */
  report: {
    impression: string;
    diagnoses: readonly { code: string; label: string }[];
    disposition: string | null;
    signerNameZh: string | null;
    signerNameEn: string | null;
    signedAt: string | null;
  } | null;
  /** the current plan of the referral up (agreed or not: `agreed` says which) */
  plan: {
    agreed: boolean;
    disposition: string | null;
    content: Record<string, unknown>;
    hubAppointment: { at: string; department?: string | null; place?: string | null } | null;
    signatures: readonly { role: string; nameZh: string; nameEn: string; at: string }[];
  } | null;
  referredBy: { nameZh: string; nameEn: string } | null;
  referredAt: string;
  printedAt: string;
  timeZone: string;
}

const SEX: Record<string, string> = { M: '男 Male', F: '女 Female', O: '其他 Other', U: '未知 Unknown' };
const PRIORITY: Record<string, string> = { STAT: '急 STAT', URGENT: '加急 Urgent', ROUTINE: '常规 Routine' };
const SIGNER: Record<string, string> = {
  community_doctor: '社区医师 Community doctor',
  specialist: '专科医师 Specialist',
};

/**
 * The two-way referral form (双向转诊单) as an A4 PDF: 上转单 when the community centre sends the patient to the
 * hub, 下转单 when the hub sends the patient back for follow-up. Laid out as the paper forms are — who, from
 * where to where, why (diagnosis with ICD-10 codes), what was done and is planned, who signed and when — with
 * every time in the network's time zone.
 */
export async function renderReferralForm(input: ReferralFormInput): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const up = input.direction === 'up';
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `${up ? 'Referral up' : 'Referral back down'} ${input.number}`, Producer: 'Zhiyin' },
  });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const width = doc.page.width - 100;
  const at = (iso: string) => localTime(iso, input.timeZone);

  doc
    .font('bold')
    .fontSize(18)
    .text(up ? '双向转诊单（上转单）' : '双向转诊单（下转单）', { align: 'center' });
  doc
    .font('regular')
    .fontSize(10)
    .fillColor('#444')
    .text(up ? 'Two-way referral form — referral up to the hub' : 'Two-way referral form — referral back down', {
      align: 'center',
    });
  doc.text(`转诊编号 Referral no.: ${input.number}`, { align: 'center' });
  doc
    .moveDown(0.5)
    .moveTo(50, doc.y)
    .lineTo(50 + width, doc.y)
    .strokeColor('#1f4e79')
    .lineWidth(1.5)
    .stroke();
  doc.moveDown(0.5).fillColor('#000');

  const field = (zh: string, en: string, value: string) => {
    doc
      .font('bold')
      .fontSize(10)
      .text(`${zh} ${en}: `, 50, doc.y, { continued: true, width })
      .font('regular')
      .text(value || '—');
  };
  const section = (zh: string, en: string) => {
    doc.moveDown(0.5).font('bold').fontSize(12).fillColor('#1f4e79').text(`${zh}  ${en}`, 50, doc.y, { width });
    doc.fillColor('#000');
  };
  const institution = (i: Institution) =>
    [`${i.nameZh} / ${i.nameEn}`, i.address, i.phone && `电话 Tel. ${i.phone}`].filter(Boolean).join('  ');

  section('患者信息', 'Patient');
  const p = input.patient;
  const age = ageAt(p.birthDate, at(input.referredAt).slice(0, 10));
  field('姓名', 'Name', `${p.name} (${p.pinyin})`);
  field('性别', 'Sex', SEX[p.sex] ?? p.sex);
  field('年龄', 'Age', age === null ? '' : `${age} 岁 years`);
  field('病历号', 'MRN', p.mrn);
  field('身份证号', 'National ID', p.nationalIdMasked ?? '');

  section('转诊机构', 'Institutions');
  field('转出单位', 'Referring institution', institution(input.from));
  field('接收单位', 'Receiving institution', institution(input.to));
  const appointment = input.plan?.hubAppointment ?? null;
  if (up && appointment?.department) field('接诊科室', 'Department', appointment.department);
  field('转诊类别', 'Priority', PRIORITY[input.priority] ?? input.priority);
  field('服务', 'Service', SERVICE_LABELS[input.service]['zh-CN']);

  section('转诊原因及初步诊断', 'Reason and diagnosis');
  if (input.clinicalQuestion) field('临床问题', 'Clinical question', input.clinicalQuestion);
  if (input.history) field('病史', 'History', input.history);
  if (input.report) {
    field('诊断结论', 'Conclusion', input.report.impression);
    field('诊断 (ICD-10)', 'Diagnoses', input.report.diagnoses.map((d) => `${d.code} ${d.label}`).join('；'));
  }
  const c = input.plan?.content ?? {};
  // The plan's free-text fields (the plan DTO validates them as strings).
  const str = (k: string): string => (typeof c[k] === 'string' ? c[k] : '');
  if (str('diagnosis')) field('临床诊断', 'Clinical diagnosis', str('diagnosis'));

  section(
    up ? '已作处理及转诊建议' : '诊疗经过及后续治疗方案',
    up ? 'Treatment so far and plan' : 'Care given and follow-up plan',
  );
  const disposition = input.plan?.disposition ?? input.report?.disposition ?? null;
  if (disposition && disposition in DISPOSITION_LABELS) {
    const label = DISPOSITION_LABELS[disposition as Disposition];
    field('处置', 'Disposition', `${label['zh-CN']} / ${label.en}`);
  }
  const meds = Array.isArray(c.medications) ? (c.medications as Record<string, string>[]) : [];
  if (meds.length > 0)
    field(
      '用药',
      'Medications',
      meds.map((m) => [m.name, m.dose, m.route, m.frequency, m.duration].filter(Boolean).join(' ')).join('；'),
    );
  if (str('tests')) field('检查', 'Tests', str('tests'));
  if (str('instructions')) field('医嘱', 'Instructions', str('instructions'));
  if (str('followUp')) field('随访', 'Follow-up', str('followUp'));
  if (str('warningSigns')) field('警示症状', 'Warning signs', str('warningSigns'));
  if (input.plan && !input.plan.agreed)
    field('方案状态', 'Plan status', '尚未经双方签署 Not yet signed by both doctors');
  if (up && appointment)
    field(
      '上级医院预约',
      'Hub appointment',
      [at(appointment.at), appointment.department, appointment.place ?? str('appointmentPlace')]
        .filter(Boolean)
        .join('  '),
    );

  section('签名', 'Signatures');
  if (input.referredBy)
    field(up ? '转诊医师' : '转回医师', 'Referring doctor', `${input.referredBy.nameZh} ${input.referredBy.nameEn}`);
  field('转诊时间', 'Referred', at(input.referredAt));
  if (input.report?.signedAt)
    field(
      '报告医师',
      'Reporting specialist',
      `${input.report.signerNameZh ?? ''} ${input.report.signerNameEn ?? ''}  ${at(input.report.signedAt)}`,
    );
  for (const s of input.plan?.agreed ? input.plan.signatures : [])
    field('方案签署', SIGNER[s.role] ?? s.role, `${s.nameZh} ${s.nameEn}  ${at(s.at)}`);
  doc
    .moveDown(1)
    .font('regular')
    .fontSize(8)
    .fillColor('#666')
    .text(
      `打印时间 Printed: ${at(input.printedAt)}  ·  本转诊单由系统生成，各签名均为电子签名。Signed electronically.`,
      50,
      doc.y,
      {
        width,
        align: 'center',
      },
    );
  doc.end();
  return done;
}
