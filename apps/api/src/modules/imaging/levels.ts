import type { PersonName } from '@zhiyin/dicom';
import { pinyin } from 'pinyin-pro';

// Which attributes belong to which QIDO-RS level (PS3.18 Table 10.6.1-5, plus the Patient module:
// the study row also keeps every 0010xxxx attribute). The database function that indexes instances
// (imaging_index_instances) picks them from an instance's DICOM JSON with these lists.
export const STUDY_LEVEL_TAGS = new Set([
  '00080005', // SpecificCharacterSet
  '00080020', // StudyDate
  '00080030', // StudyTime
  '00080050', // AccessionNumber
  '00080051', // IssuerOfAccessionNumberSequence
  '00080090', // ReferringPhysicianName
  '00081030', // StudyDescription
  '00081032', // ProcedureCodeSequence
  '00081060', // NameOfPhysiciansReadingStudy
  '00081080', // AdmittingDiagnosesDescription
  '00200010', // StudyID
  '0020000D', // StudyInstanceUID
  '00321032', // RequestingPhysician
  '00321060', // RequestedProcedureDescription
  '00400275', // RequestAttributesSequence
]);

export const SERIES_LEVEL_TAGS = new Set([
  '00080005',
  '00080021', // SeriesDate
  '00080031', // SeriesTime
  '00080060', // Modality
  '00080070', // Manufacturer
  '00080080', // InstitutionName
  '00080081', // InstitutionAddress
  '00081010', // StationName
  '0008103E', // SeriesDescription
  '00081040', // InstitutionalDepartmentName
  '00081090', // ManufacturerModelName
  '00180015', // BodyPartExamined
  '00181030', // ProtocolName
  '0020000E', // SeriesInstanceUID
  '00200011', // SeriesNumber
  '00200052', // FrameOfReferenceUID
  '00200060', // Laterality
  '00400244', // PerformedProcedureStepStartDate
  '00400245', // PerformedProcedureStepStartTime
  '00400275', // RequestAttributesSequence
]);

/**
 * Lower-cased forms of a person name that QIDO-RS PatientName matching compares against: each
 * component group as stored (`sun^juan`, `孙^娟`), without the caret (`sunjuan`, `孙娟`), with a
 * space (`sun juan`), and pinyin generated from the ideographic group when there is no alphabetic one.
 */
// The instances of a study repeat its patient's name: the keys of recent names are remembered.
const recentNameKeys = new Map<string, string[]>();

export function nameKeys(name: PersonName | undefined): string[] {
  if (!name) return [];
  const id = [name.Alphabetic, name.Ideographic, name.Phonetic].join('\u0000');
  const known = recentNameKeys.get(id);
  if (known) return [...known];
  const keys = computeNameKeys(name);
  if (recentNameKeys.size >= 256) recentNameKeys.delete(recentNameKeys.keys().next().value!);
  recentNameKeys.set(id, keys);
  return [...keys];
}

function computeNameKeys(name: PersonName): string[] {
  const keys = new Set<string>();
  const add = (v: string | undefined) => {
    if (!v) return;
    const lower = v.toLowerCase().replace(/\^+$/, '');
    if (!lower) return;
    keys.add(lower);
    keys.add(lower.replace(/\^/g, ''));
    keys.add(lower.replace(/\^/g, ' ').trim());
  };
  add(name.Alphabetic);
  add(name.Ideographic);
  add(name.Phonetic);
  // Pinyin for whichever group holds Han characters: many centres write the Han name alone, in
  // the Alphabetic group.
  const han = [name.Ideographic, name.Alphabetic].find((g) => g && /\p{Script=Han}/u.test(g));
  if (han) {
    const [family = '', given = ''] = han.split('^');
    const py = (s: string) =>
      pinyin(s, { toneType: 'none', type: 'array', v: true })
        .map((x) => x.toLowerCase().replace(/[^a-z]/g, ''))
        .join('');
    add(`${py(family)}^${py(given)}`);
  }
  return [...keys];
}
