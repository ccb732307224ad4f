import { elementText, withPatient } from './dicom-edit.js';
import { api, type TestApp } from './test-app.js';

/**
 * Records the patient's verbal consent to remote diagnosis (before a witness) on a draft referral, as the referring
 * doctor does before submitting: the rules refuse to submit without it.
 */
export async function recordConsent(t: { url: string }, doctorToken: string, referralId: string): Promise<void> {
  const res = await api(t, 'POST', `/api/referrals/${referralId}/consent/verbal`, {
    token: doctorToken,
    // A fixed moment before every test clock (some suites move the server's clock into the past).
    body: { witnessName: '王芳（护士）', consentedAt: '2025-06-01T09:00:00+08:00' },
  });
  if (res.status !== 200) throw new Error(`consent not recorded: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * Links a stored study to a new referral of the centre that sent it, for the study's patient (or the patient of
 * that centre whose record number is the study's Patient ID), and sends it up unless `submit` is false: the hub's
 * readers of `service` (and the coordinators) then see the study. `patientId` names the patient when the study's
 * Patient ID is no record number of that centre. `patientOverrideReason` confirms a study whose file names
 * another patient (or none), as the doctor does when the desk holds it.
 *
 * @returns the referral's id
 */
export async function referStudy(
  t: TestApp,
  doctorToken: string,
  studyUid: string,
  service: 'ECG' | 'IMAGING',
  opts: { submit?: boolean; patientId?: string; patientOverrideReason?: string } = {},
): Promise<string> {
  const { rows } = await t.db.query<{ patient_id: string | null }>(
    `SELECT COALESCE(st.patient_id, (SELECT p.id FROM patient p WHERE p.home_facility_id = st.facility_id
                                       AND p.mrn = st.dicom_patient_id)) AS patient_id
       FROM study st WHERE st.study_instance_uid = $1`,
    [studyUid],
  );
  const patientId = opts.patientId ?? rows[0]?.patient_id;
  if (!patientId) throw new Error(`no stored study ${studyUid} with a known patient`);
  const created = await api(t, 'POST', '/api/referrals', {
    token: doctorToken,
    body: {
      patientId,
      service,
      ...(service === 'IMAGING' ? { modality: 'CT' } : {}),
      priority: 'ROUTINE',
      clinicalQuestion: '请会诊',
    },
  });
  if (created.status !== 201 && created.status !== 200) throw new Error(`referral not created: ${created.status}`);
  const id = created.body.id as string;
  const attached = await api(t, 'POST', `/api/referrals/${id}/studies`, {
    token: doctorToken,
    body: {
      studyInstanceUid: studyUid,
      ...(opts.patientOverrideReason ? { patientOverrideReason: opts.patientOverrideReason } : {}),
    },
  });
  if (attached.status !== 200) throw new Error(`study not attached: ${attached.status}`);
  if (opts.submit !== false) {
    await recordConsent(t, doctorToken, id);
    const sent = await api(t, 'POST', `/api/referrals/${id}/events`, { token: doctorToken, body: { type: 'submit' } });
    if (sent.status !== 200) throw new Error(`referral not submitted: ${sent.status}`);
  }
  return id;
}

/**
 * A copy of a DICOM file rewritten to name a patient of the database (record number, pinyin name, birth date,
 * sex), as a modality given that patient's order writes them: the file then joins that patient's referrals.
 * The name is written in its Latin (pinyin) form, which every character set can hold. A file that already carries
 * the patient's record number is returned unchanged.
 */
export async function asFileOf(t: TestApp, file: Buffer, patientId: string): Promise<Buffer> {
  const { rows } = await t.db.query<{ mrn: string; name_pinyin: string; sex: string; birth_date: string }>(
    `SELECT mrn, name_pinyin, sex, to_char(birth_date, 'YYYYMMDD') AS birth_date FROM patient WHERE id = $1`,
    [patientId],
  );
  const p = rows[0];
  if (!p) throw new Error(`no patient ${patientId}`);
  // Already this patient's (the synthetic data set's files are the seeded patients'): sent as it is.
  if (elementText(file, 0x0010, 0x0020, 'LO')?.trim() === p.mrn) return file;
  const [family = '', ...given] = p.name_pinyin.split(' ');
  return withPatient(file, {
    id: p.mrn,
    name: `${family}^${given.join('')}`,
    birthDate: p.birth_date,
    sex: p.sex === 'U' ? '' : p.sex,
  });
}
