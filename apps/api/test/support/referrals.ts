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
 * Patient ID is no record number of that centre.
 *
 * @returns the referral's id
 */
export async function referStudy(
  t: TestApp,
  doctorToken: string,
  studyUid: string,
  service: 'ECG' | 'IMAGING',
  opts: { submit?: boolean; patientId?: string } = {},
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
    body: { studyInstanceUid: studyUid },
  });
  if (attached.status !== 200) throw new Error(`study not attached: ${attached.status}`);
  if (opts.submit !== false) {
    await recordConsent(t, doctorToken, id);
    const sent = await api(t, 'POST', `/api/referrals/${id}/events`, { token: doctorToken, body: { type: 'submit' } });
    if (sent.status !== 200) throw new Error(`referral not submitted: ${sent.status}`);
  }
  return id;
}
