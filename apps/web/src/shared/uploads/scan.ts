import { detectCartFormat, looksLikeXml, tryParseHeader, type CartFormat, type DicomSummary } from '@zhiyin/dicom';

// What a doctor dropped: files and whole folders (a CD's DICOM folder, a modality export), read in
// the browser so they can see what they are about to send. Only the header bytes are read.

export interface ScannedFile {
  file: File;
  /** path inside the dropped folder, or the file name */
  path: string;
  summary?: DicomSummary;
  /** an ECG cart's own file, a PDF or a photo: sent into a referral, the server converts it to DICOM */
  cartFormat?: CartFormat;
  /** why a file will not be sent (not DICOM, a DICOMDIR index, broken) */
  skipped?: string;
}

const FIRST_READ = 64 * 1024;
const MAX_READ = 16 * 1024 * 1024;

async function readPrefix(file: File, bytes: number): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(0, Math.min(bytes, file.size)).arrayBuffer());
}

/** Parses the header of one file, reading more only when the header is longer than the first read. */
export async function scanFile(file: File, path = file.name): Promise<ScannedFile> {
  let size = FIRST_READ;
  for (;;) {
    const prefix = await readPrefix(file, size);
    const r = tryParseHeader(prefix, { totalLength: file.size });
    if (r.ok) return { file, path, summary: r.value.summary };
    if (r.error.code === 'NEED_MORE_BYTES' && size < MAX_READ && size < file.size) {
      size = Math.max(size * 2, r.error.bytesNeeded ?? 0);
      continue;
    }
    // Not DICOM: perhaps what an ECG cart writes (an XML that is not an aECG is sent too, for the server's reason).
    const cartFormat = detectCartFormat(prefix, file.size) ?? (looksLikeXml(prefix) ? 'aecg' : undefined);
    if (cartFormat) return { file, path, cartFormat };
    return { file, path, skipped: r.error.code };
  }
}

// The drag-and-drop file system API (webkitGetAsEntry) is how browsers expose dropped folders.
async function walk(entry: FileSystemEntry, out: { file: File; path: string }[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in batches (100 in Chromium) until it returns an empty list.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, out);
    }
  }
}

/** Files of a drop, folders expanded. */
export async function filesOfDrop(data: DataTransfer): Promise<{ file: File; path: string }[]> {
  const entries = [...data.items]
    .map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...data.files].map((file) => ({ file, path: file.name }));
  const out: { file: File; path: string }[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}

/** Files of an <input type=file> (with `webkitdirectory`, each has its relative path). */
export function filesOfInput(list: FileList): { file: File; path: string }[] {
  return [...list].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

export interface StudyGroup {
  studyUid: string;
  patientId: string;
  patientName: DicomSummary['patientName'];
  birthDate?: string;
  sex?: string;
  studyDate?: string;
  description?: string;
  accession?: string;
  modalities: string[];
  series: Set<string>;
  files: ScannedFile[];
  bytes: number;
}

/** Files grouped by study, in the order they were found. */
export function groupByStudy(files: ScannedFile[]): StudyGroup[] {
  const groups = new Map<string, StudyGroup>();
  for (const f of files) {
    const s = f.summary;
    if (!s) continue;
    const key = s.studyInstanceUid ?? '';
    let g = groups.get(key);
    if (!g) {
      g = {
        studyUid: key,
        patientId: s.patientId ?? '',
        patientName: s.patientName,
        birthDate: s.patientBirthDate,
        sex: s.sex,
        studyDate: s.studyDate,
        description: s.studyDescription,
        accession: s.accessionNumber,
        modalities: [],
        series: new Set(),
        files: [],
        bytes: 0,
      };
      groups.set(key, g);
    }
    if (s.modality && !g.modalities.includes(s.modality)) g.modalities.push(s.modality);
    if (s.seriesInstanceUid) g.series.add(s.seriesInstanceUid);
    g.files.push(f);
    g.bytes += f.file.size;
  }
  return [...groups.values()];
}
