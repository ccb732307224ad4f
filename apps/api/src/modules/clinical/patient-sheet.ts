import { localTime, BOLD, REGULAR } from './report-pdf.js';

/** The agreed decision as the patient sheet prints it (the same words as the patient's own page). */
export interface SheetDecision {
  where: { 'zh-CN': string; en: string };
  address: string | null;
  appointment: { at: string; department: string | null; place: string | null } | null;
  instructions: string | null;
  followUp: string | null;
  bring: string | null;
  warningSigns: string | null;
  seekHelpNow: { 'zh-CN': string; en: string };
}

export interface PatientSheetInput {
  patient: { name: string; pinyin: string };
  centre: { nameZh: string; nameEn: string };
  /** the code as handed to the patient (XXXXX-XXXXX); only ever in memory, never stored */
  code: string;
  expiresAt: string;
  /** the patient sign-in page; the QR code carries the code in its fragment, which a browser never sends */
  signInUrl: string;
  decision: SheetDecision | null;
  /** the agreed plan is being changed by the doctors: say so instead of printing the old one */
  decisionBeingRevised: boolean;
  timeZone: string;
}

/** The sign-in link of the QR code: the code rides in the fragment so it never reaches a server log. */
export function sheetQrUrl(signInUrl: string, code: string): string {
  return `${signInUrl}#code=${encodeURIComponent(code)}`;
}

/**
 * The A4 sheet a community doctor prints when handing a patient an access code: who it is for, the code
 * in large type, how to sign in (Chinese first, then English), a QR code opening the sign-in page, and the
 * agreed decision once there is one. The birth date is never printed: with the code it is the key to the
 * patient's page, so a lost sheet alone opens nothing.
 */
export async function renderPatientSheet(input: PatientSheetInput): Promise<Buffer> {
  const [{ default: PDFDocument }, QRCode] = await Promise.all([import('pdfkit'), import('qrcode')]);
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: 'Patient sheet', Producer: 'Zhiyin' } });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const width = doc.page.width - 100;

  doc.font('bold').fontSize(18).text('患者须知', { align: 'center' });
  doc.font('regular').fontSize(11).fillColor('#444').text('Patient sheet', { align: 'center' });
  doc.text(`${input.centre.nameZh} · ${input.centre.nameEn}`, { align: 'center' });
  doc.moveDown(0.8).fillColor('#000');
  doc.font('bold').fontSize(13).text(`患者 Patient: ${input.patient.name}  ${input.patient.pinyin}`);
  doc.moveDown(0.6);

  // The code in large type, and the QR code beside it.
  const top = doc.y;
  doc.font('regular').fontSize(11).text('访问码 Access code', 50, top);
  doc
    .font('bold')
    .fontSize(34)
    .text(input.code, 50, doc.y + 4, { characterSpacing: 2 });
  doc
    .font('regular')
    .fontSize(10)
    .fillColor('#444')
    .text(`有效期至 Valid until: ${localTime(input.expiresAt, input.timeZone)}`, 50, doc.y + 4, { width: 300 });
  doc.fillColor('#000');
  const qr = await QRCode.toBuffer(sheetQrUrl(input.signInUrl, input.code), {
    type: 'png',
    errorCorrectionLevel: 'M',
    margin: 4,
    scale: 8,
  });
  const qrSize = 140;
  doc.image(qr, 50 + width - qrSize, top - 6, { width: qrSize, height: qrSize });
  doc.y = Math.max(doc.y, top + qrSize) + 10;

  const section = (zh: string, en: string) => {
    doc.moveDown(0.5).font('bold').fontSize(12).fillColor('#1f4e79').text(`${zh}  ${en}`, 50, doc.y, { width });
    doc.fillColor('#000').font('regular').fontSize(10.5);
  };
  const para = (text: string) => doc.text(text, 50, doc.y, { width });

  section('如何查看', 'How to sign in');
  para(`1. 用手机扫描右上角二维码，或在浏览器打开 ${input.signInUrl}`);
  para('2. 输入上面的访问码（扫码时已自动填好）和您的出生日期。');
  para('3. 查看医生为您商定的处理意见，并点击“我已知晓”。');
  doc.moveDown(0.3).fillColor('#444');
  para(`1. Scan the QR code with your phone, or open ${input.signInUrl} in a browser.`);
  para('2. Enter the access code above (filled in when you scan) and your date of birth.');
  para('3. Read the decision your doctors agreed, then tap "I have read this".');
  doc.fillColor('#000').moveDown(0.3);
  para('请妥善保管本页，不要交给他人。Keep this sheet safe; do not share the code.');

  section('处理意见', 'Decision');
  const d = input.decision;
  if (!d) {
    para(
      input.decisionBeingRevised
        ? '医生正在修改已商定的处理意见，确定后可在手机上查看。Your doctors are changing the agreed decision; it appears on your phone once both have signed.'
        : '医生尚未作出处理意见，作出后可在手机上查看。There is no decision yet; it appears on your phone once your doctors have agreed it.',
    );
  } else {
    para(`就诊地点 Where: ${d.where['zh-CN']} / ${d.where.en}`);
    if (d.address) para(`地址 Address: ${d.address}`);
    if (d.appointment) {
      const a = d.appointment;
      para(`预约 Appointment: ${localTime(a.at, input.timeZone)}  ${a.department ?? ''} ${a.place ?? ''}`.trim());
    }
    if (d.instructions) para(`医嘱 Instructions: ${d.instructions}`);
    if (d.followUp) para(`复诊 Follow-up: ${d.followUp}`);
    if (d.bring) para(`请携带 Bring: ${d.bring}`);
    if (d.warningSigns) para(`警示症状 Warning signs: ${d.warningSigns}`);
    doc.moveDown(0.3).font('bold');
    para(d.seekHelpNow['zh-CN']);
    doc.font('regular');
    para(d.seekHelpNow.en);
  }
  doc.end();
  return done;
}
