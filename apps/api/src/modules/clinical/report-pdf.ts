import { DISPOSITION_LABELS, SERVICE_LABELS, type Service } from '@zhiyin/workflow';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { EcgReportMeasurements, ReportView } from '@zhiyin/contracts';
import { drawEcgTracing, MM_PER_MILLIVOLT, MM_PER_SECOND, PT_PER_MM, type TracingLeads } from './ecg-tracing.js';

// Noto Sans SC (SIL Open Font Licence) from npm: PDF readers have no Chinese font of their own to
// fall back on, so the glyphs used are embedded (subset).
const require = createRequire(import.meta.url);
const fontDir = dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
export const REGULAR = join(fontDir, '400Regular', 'NotoSansSC_400Regular.ttf');
export const BOLD = join(fontDir, '700Bold', 'NotoSansSC_700Bold.ttf');

export interface ReportPdfInput {
  report: ReportView;
  number: string;
  service: Service;
  modality: string | null;
  clinicalQuestion: string | null;
  hub: { nameZh: string; nameEn: string; address: string | null };
  readingCentre: { nameZh: string; nameEn: string } | null;
  centre: { nameZh: string; nameEn: string };
  patient: { name: string; pinyin: string; sex: string; birthDate: string | null; mrn: string };
  /** the earliest StudyDate of the referral's studies (YYYY-MM-DD) */
  studyDate: string | null;
  /** IANA time zone of the network: the paper shows local times, as every screen does */
  timeZone: string;
  /** the referral's 12-lead ECG in µV, printed on a landscape page of its own (ECG reports only) */
  tracing?: TracingLeads | null;
  /** the key images the reader marked, in order, each rendered (or null when its frame could not be rendered) */
  keyImages?: PrintedKeyImage[];
}

/** A key image as the report prints it. */
export interface PrintedKeyImage {
  /** "序列 Series 3 / 图像 Image 42 / 帧 Frame 2" */
  caption: string;
  measurements: readonly { label: string; value: string }[];
  /** the frame rendered with the image's own window, as JPEG or PNG; null when it could not be rendered */
  image: Buffer | null;
}

// Each key image is fitted into a square of this size (points; 75 mm), its caption and measurements beside it.
export const KEY_IMAGE_BOX_PT = 212;

/** The caption of a key image: series, image and (for a multi-frame image) frame numbers. */
export function keyImageCaption(k: {
  seriesNumber: number | null;
  instanceNumber: number | null;
  frame: number;
  frames: number;
  seriesDescription: string | null;
}): string {
  return [
    `序列 Series ${k.seriesNumber ?? '—'}`,
    `图像 Image ${k.instanceNumber ?? '—'}`,
    k.frames > 1 ? `帧 Frame ${k.frame}` : null,
  ]
    .filter(Boolean)
    .join(' / ')
    .concat(k.seriesDescription ? `  ${k.seriesDescription}` : '');
}

/** The key images, one per row: the image in its box on the left, caption and measurements on the right. */
function keyImagesSection(doc: PDFKit.PDFDocument, images: PrintedKeyImage[], width: number): void {
  doc.moveDown(0.4).font('bold').fontSize(12).fillColor('#1f4e79').text('关键图像  Key images', 50);
  images.forEach((k, index) => {
    const bottom = doc.page.height - doc.page.margins.bottom;
    if (doc.y + KEY_IMAGE_BOX_PT + 8 > bottom) doc.addPage();
    const top = doc.y + 4;
    const left = 50;
    doc.rect(left, top, KEY_IMAGE_BOX_PT, KEY_IMAGE_BOX_PT).fillColor('#000').fill();
    if (k.image) {
      doc.image(k.image, left, top, { fit: [KEY_IMAGE_BOX_PT, KEY_IMAGE_BOX_PT], align: 'center', valign: 'center' });
    } else {
      doc
        .font('regular')
        .fontSize(9)
        .fillColor('#fff')
        .text('图像无法显示 Image could not be rendered', left + 10, top + KEY_IMAGE_BOX_PT / 2 - 6, {
          width: KEY_IMAGE_BOX_PT - 20,
          align: 'center',
        });
    }
    const textLeft = left + KEY_IMAGE_BOX_PT + 14;
    const textWidth = width - KEY_IMAGE_BOX_PT - 14;
    doc
      .font('bold')
      .fontSize(10)
      .fillColor('#000')
      .text(`${index + 1}. ${k.caption}`, textLeft, top, { width: textWidth });
    doc.font('regular').fontSize(10);
    for (const m of k.measurements)
      doc.text(`${m.label ? `${m.label}: ` : ''}${m.value}`, textLeft, doc.y + 2, { width: textWidth });
    doc.x = 50;
    doc.y = top + KEY_IMAGE_BOX_PT + 8;
  });
}

/** "2026-12-06 21:03 GMT+8": a moment in the network's time zone, with its offset so the paper is unambiguous. */
export function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'shortOffset',
  }).formatToParts(new Date(iso));
  const p = (t: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')} ${p('timeZoneName')}`;
}

/** Whole years between a birth date and a later date (both YYYY-MM-DD), or null when either is missing. */
export function ageAt(birthDate: string | null, on: string | null): number | null {
  if (!birthDate || !on) return null;
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  const age = y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
  return Number.isFinite(age) && age >= 0 ? age : null;
}

/** The conclusion's heading: radiology reports an impression (印象), an ECG a diagnostic opinion (诊断意见). */
const CONCLUSION: Record<Service, [zh: string, en: string]> = {
  ECG: ['诊断意见', 'Conclusion'],
  IMAGING: ['印象', 'Impression'],
};

const SEX: Record<string, string> = { M: '男 Male', F: '女 Female', O: '其他 Other', U: '未知 Unknown' };

/** The measurements the reader confirmed, on one line: what the report and the tracing page print. */
function measurementLine(m: EcgReportMeasurements | null): string {
  if (!m) return '';
  return [
    m.rhythm && `节律 Rhythm: ${m.rhythm}`,
    m.heartRate !== undefined && `心率 HR: ${m.heartRate} bpm`,
    m.pr !== undefined && `PR: ${m.pr} ms`,
    m.qrs !== undefined && `QRS: ${m.qrs} ms`,
    m.qt !== undefined && `QT: ${m.qt} ms`,
    m.qtc !== undefined && `QTc: ${m.qtc} ms`,
    m.axis !== undefined && `电轴 Axis: ${m.axis}°`,
  ]
    .filter(Boolean)
    .join('    ');
}

/**
 * The 12-lead tracing on an A4 landscape page of its own: who and what it is, the confirmed measurements, then
 * the paper at 25 mm/s and 10 mm/mV (a page that is printed "fit to page" no longer holds that scale, so the
 * footer says so).
 */
function tracingPage(doc: PDFKit.PDFDocument, input: ReportPdfInput, tracing: TracingLeads, measured: string): void {
  doc.addPage({ size: 'A4', layout: 'landscape', margin: 0 });
  const left = 18 * PT_PER_MM;
  const width = 260 * PT_PER_MM;
  doc
    .font('bold')
    .fontSize(12)
    .fillColor('#000')
    .text(`十二导联心电图  12-lead ECG    ${input.number}`, left, 10 * PT_PER_MM, { width, lineBreak: false });
  const age = ageAt(input.patient.birthDate, input.studyDate);
  doc
    .font('regular')
    .fontSize(9)
    .text(
      [
        `${input.patient.name} (${input.patient.pinyin})`,
        SEX[input.patient.sex] ?? input.patient.sex,
        age === null ? '' : `${age} 岁 years`,
        `病历号 MRN ${input.patient.mrn}`,
        `检查日期 Study date ${input.studyDate ?? '—'}`,
      ]
        .filter(Boolean)
        .join('    '),
      left,
      17 * PT_PER_MM,
      { width, lineBreak: false },
    );
  doc.text(`测量（医师确认） Measurements (confirmed): ${measured || '—'}`, left, 23 * PT_PER_MM, {
    width,
    lineBreak: false,
  });
  doc.text(
    `走纸速度 ${MM_PER_SECOND} mm/s    增益 ${MM_PER_MILLIVOLT} mm/mV    定标 1 mV = ${MM_PER_MILLIVOLT} mm    Speed ${MM_PER_SECOND} mm/s, gain ${MM_PER_MILLIVOLT} mm/mV`,
    left,
    29 * PT_PER_MM,
    { width, lineBreak: false },
  );
  drawEcgTracing(doc, tracing, 'regular');
  doc
    .font('regular')
    .fontSize(7.5)
    .fillColor('#666')
    .text(
      '按实际尺寸打印（不缩放），方格 1 mm / 5 mm。Print at actual size (no scaling): grid 1 mm / 5 mm.',
      left,
      192 * PT_PER_MM,
      { width, lineBreak: false },
    );
}

/** The signed report as a printable A4 PDF with the hub's header, Chinese first. */
export async function renderReportPdf(input: ReportPdfInput): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const { report: r } = input;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Report ${input.number}`, Producer: 'Zhiyin' },
  });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));

  const width = doc.page.width - 100;
  doc.font('bold').fontSize(18).text(input.hub.nameZh, { align: 'center' });
  doc.font('regular').fontSize(10).fillColor('#444').text(input.hub.nameEn, { align: 'center' });
  if (input.readingCentre)
    doc.text(`${input.readingCentre.nameZh} · ${input.readingCentre.nameEn}`, { align: 'center' });
  if (input.hub.address) doc.text(input.hub.address, { align: 'center' });
  doc
    .moveDown(0.5)
    .moveTo(50, doc.y)
    .lineTo(50 + width, doc.y)
    .strokeColor('#1f4e79')
    .lineWidth(1.5)
    .stroke();
  doc.moveDown(0.6).fillColor('#000').font('bold').fontSize(15);
  doc.text(
    `${SERVICE_LABELS[input.service]['zh-CN']}诊断报告  ${input.service === 'ECG' ? 'ECG Report' : 'Imaging Report'}`,
    { align: 'center' },
  );
  doc.moveDown(0.6);

  const field = (zh: string, en: string, value: string) => {
    doc
      .font('bold')
      .fontSize(10)
      .text(`${zh} ${en}: `, { continued: true })
      .font('regular')
      .text(value || '—');
  };
  field('报告编号', 'Referral no.', input.number);
  field(
    '患者',
    'Patient',
    `${input.patient.name} (${input.patient.pinyin})   ${SEX[input.patient.sex] ?? input.patient.sex}   ${input.patient.birthDate ?? ''}`,
  );
  field('病历号', 'MRN', input.patient.mrn);
  // The age the patient had when the study was made (else when it was reported): the reading depends on it.
  const ageOn = input.studyDate ?? (r.signedAt ? localTime(r.signedAt, input.timeZone).slice(0, 10) : null);
  const age = ageAt(input.patient.birthDate, ageOn);
  field('年龄', 'Age', age === null ? '' : `${age} 岁 years`);
  field('检查日期', 'Study date', input.studyDate ?? '');
  field('申请机构', 'Referring centre', `${input.centre.nameZh} / ${input.centre.nameEn}`);
  field('检查', 'Study', `${SERVICE_LABELS[input.service]['zh-CN']} ${input.modality ?? ''}`.trim());
  if (input.clinicalQuestion) field('临床问题', 'Clinical question', input.clinicalQuestion);
  doc.moveDown(0.5);

  const section = (zh: string, en: string, body: string) => {
    doc.moveDown(0.4).font('bold').fontSize(12).fillColor('#1f4e79').text(`${zh}  ${en}`);
    doc
      .fillColor('#000')
      .font('regular')
      .fontSize(10.5)
      .text(body || '—', { width });
  };
  const measured = measurementLine(r.measurements);
  if (measured) section('测量', 'Measurements', measured);
  section('所见', 'Findings', r.findings);
  section(...CONCLUSION[input.service], r.impression);
  section('诊断', 'Diagnoses', r.diagnoses.map((d) => `${d.code}  ${d.label}`).join('\n'));
  if (r.disposition) {
    const label = DISPOSITION_LABELS[r.disposition];
    section('处置建议', 'Disposition', `${label['zh-CN']} / ${label.en}`);
  }
  for (const a of r.addenda) section('补充报告', `Addendum (${localTime(a.createdAt, input.timeZone)})`, a.body);
  if (input.keyImages && input.keyImages.length > 0) keyImagesSection(doc, input.keyImages, width);

  doc.moveDown(1.2).font('regular').fontSize(10);
  doc.text(`报告医师 Reporting specialist: ${r.signerNameZh ?? ''} ${r.signerNameEn ?? ''}`);
  doc.text(`签署时间 Signed: ${r.signedAt ? localTime(r.signedAt, input.timeZone) : '—'}`);
  doc
    .moveDown(0.8)
    .fontSize(8)
    .fillColor('#666')
    .text('本报告经电子签名，仅供临床参考。This report is signed electronically and is for clinical use.', {
      align: 'center',
    });
  if (input.service === 'ECG' && input.tracing) tracingPage(doc, input, input.tracing, measured);
  doc.end();
  return done;
}
