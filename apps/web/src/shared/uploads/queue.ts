import type { PatientMismatchDetails } from '@zhiyin/contracts';
import { DetailedError, Upload } from 'tus-js-client';
import { api, ApiError } from '../../lib/api';
import { session } from '../../lib/session';
import type { ScannedFile } from './scan';

// The upload queue lives outside the page, so uploads go on while the doctor opens another screen.
// One DICOM file per tus upload (the API checks and stores each like a STOW-RS instance); after a
// dropped connection tus asks the server how much arrived (HEAD) and sends only the rest; the
// upload URL is remembered in localStorage, so even a reloaded page resumes instead of restarting.

export type UploadState = 'queued' | 'uploading' | 'retrying' | 'stored' | 'failed' | 'held';

export interface UploadItem {
  id: number;
  path: string;
  size: number;
  state: UploadState;
  sent: number;
  /** where the server said to go on from, after an interruption (bytes) */
  resumedFrom?: number;
  /** the API's failure code and message (00000902), or a transport failure */
  error?: { code: string; message: string };
  studyUid?: string;
  /** the referral the file is sent for: its study is attached to it once stored */
  referralId?: string;
  /** whether the study is attached to that referral */
  attach?: 'pending' | 'attached' | 'failed';
  /** why attaching failed (the API's error code) */
  attachError?: string;
  /** held: the file names another patient than the referral's (both identities), until removed or confirmed */
  mismatch?: PatientMismatchDetails;
  /** the doctor's reason for sending a held file all the same */
  overrideReason?: string;
}

const CONCURRENCY = 3;
// Back-off for a weak link; a dropped connection retries at once, then waits longer.
const RETRY_DELAYS = [500, 1000, 3000, 5000, 10000, 20000, 30000, 60000, 60000, 60000];

type Listener = () => void;

interface Job {
  item: UploadItem;
  file: File;
  upload?: Upload;
}

function failureOf(body: string): { code: string; message: string } | undefined {
  try {
    const json = JSON.parse(body) as Record<string, { Value?: Record<string, { Value?: string[] }>[] }>;
    const comment = json['00081198']?.Value?.[0]?.['00000902']?.Value?.[0];
    if (comment) {
      const m = /^([A-Z_]+):\s*(.*)$/.exec(comment);
      return m ? { code: m[1]!, message: m[2]! } : { code: 'REFUSED', message: comment };
    }
    const err = (json as unknown as { error?: { code?: string; message?: string } }).error;
    if (err?.code) return { code: err.code, message: err.message ?? '' };
  } catch {
    /* not JSON */
  }
  return undefined;
}

function mismatchOf(body: string): PatientMismatchDetails | undefined {
  try {
    const err = (JSON.parse(body) as { error?: { code?: string; details?: PatientMismatchDetails } }).error;
    return err?.code === 'PATIENT_MISMATCH' ? err.details : undefined;
  } catch {
    return undefined;
  }
}

function storedStudyOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as Record<string, { Value?: string[] }>;
    const url = json['00081190']?.Value?.[0];
    return url ? decodeURIComponent(url.split('/studies/')[1] ?? '') || undefined : undefined;
  } catch {
    return undefined;
  }
}

class UploadQueue {
  private jobs: Job[] = [];
  private listeners = new Set<Listener>();
  private nextId = 1;
  private snapshot: UploadItem[] = [];

  subscribe = (fn: Listener): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  items = (): UploadItem[] => this.snapshot;

  busy(): boolean {
    return this.jobs.some(
      (j) => j.item.state === 'uploading' || j.item.state === 'queued' || j.item.state === 'retrying',
    );
  }

  /** Queues files; with a referral, each stored study is attached to it (POST /api/referrals/:id/studies). */
  add(files: ScannedFile[], opts: { referralId?: string } = {}): void {
    for (const f of files) {
      this.jobs.push({
        file: f.file,
        item: {
          id: this.nextId++,
          path: f.path,
          size: f.file.size,
          state: 'queued',
          sent: 0,
          ...(opts.referralId ? { referralId: opts.referralId } : {}),
        },
      });
    }
    this.emit();
    this.pump();
  }

  /** Forget finished uploads (stored or failed). */
  clearFinished(): void {
    this.jobs = this.jobs.filter((j) => j.item.state !== 'stored' && j.item.state !== 'failed');
    this.emit();
  }

  /** Drops a held file: it is not sent. */
  remove(id: number): void {
    this.jobs = this.jobs.filter((j) => j.item.id !== id || j.item.state !== 'held');
    this.emit();
  }

  /** Sends a held file again with the doctor's reason: the server lets it join the referral and audits it. */
  confirm(id: number, reason: string): void {
    const job = this.jobs.find((j) => j.item.id === id && j.item.state === 'held');
    if (!job || !reason.trim()) return;
    this.update(job, { state: 'queued', sent: 0, overrideReason: reason.trim(), error: undefined });
    this.pump();
  }

  /** Try the failed ones again (a transport failure, not a refusal). */
  retryFailed(): void {
    for (const j of this.jobs) if (j.item.attach === 'failed') this.attachStudy(j);
    for (const j of this.jobs)
      if (j.item.state === 'failed' && (j.item.error?.code === 'NETWORK' || j.item.error?.code === 'UNAUTHENTICATED')) {
        this.update(j, { state: 'queued', error: undefined });
      }
    this.pump();
  }

  // One attach request per referral and study, however many of its files arrive.
  private readonly attaching = new Map<string, Promise<void>>();

  /**
   * Attaches a stored study to the referral it was sent for. The referral number is the Accession
   * Number, so a study already carrying it is linked by the API on arrival; any other (an ECG cart's
   * own accession, a CD from elsewhere) is attached here. Already attached to it counts as done.
   */
  private attachStudy(job: Job): void {
    const { referralId, studyUid } = job.item;
    if (!referralId || !studyUid) return;
    const key = `${referralId}|${studyUid}`;
    let pending = this.attaching.get(key);
    if (!pending) {
      const path = `/api/referrals/${encodeURIComponent(referralId)}`;
      pending = api(`${path}/studies`, { method: 'POST', body: { studyInstanceUid: studyUid } }).then(
        () => undefined,
        async (err: unknown) => {
          if (err instanceof ApiError && err.code === 'CONFLICT') {
            const r = await api<{ studies: { studyInstanceUid: string }[] }>(path);
            if (r.studies.some((s) => s.studyInstanceUid === studyUid)) return;
          }
          throw err;
        },
      );
      this.attaching.set(key, pending);
      // A failed attempt may be tried again (retryFailed).
      pending.catch(() => this.attaching.delete(key));
    }
    this.update(job, { attach: 'pending' });
    pending.then(
      () => this.update(job, { attach: 'attached', attachError: undefined }),
      (err: unknown) =>
        this.update(job, { attach: 'failed', attachError: err instanceof ApiError ? err.code : 'NETWORK' }),
    );
  }

  private update(job: Job, patch: Partial<UploadItem>): void {
    job.item = { ...job.item, ...patch };
    this.emit();
  }

  private emit(): void {
    this.snapshot = this.jobs.map((j) => j.item);
    for (const fn of this.listeners) fn();
  }

  private pump(): void {
    const running = this.jobs.filter((j) => j.item.state === 'uploading' || j.item.state === 'retrying').length;
    const next = this.jobs.filter((j) => j.item.state === 'queued').slice(0, Math.max(0, CONCURRENCY - running));
    for (const job of next) this.start(job);
  }

  private start(job: Job): void {
    this.update(job, { state: 'uploading' });
    const userId = session.get()?.user.id ?? 'anonymous';
    const upload = new Upload(job.file, {
      // Absolute: the server answers with a Location relative to it (`uploads/<id>`).
      endpoint: new URL('/api/uploads', window.location.origin).href,
      // With a referral, the server attaches the stored study to it itself (even if this tab closes).
      metadata: {
        filename: job.item.path,
        filetype: 'application/dicom',
        ...(job.item.referralId ? { referral: job.item.referralId } : {}),
        ...(job.item.overrideReason ? { patientOverride: job.item.overrideReason } : {}),
      },
      retryDelays: RETRY_DELAYS,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      // Per user and per file, so one doctor never resumes another's upload on a shared PC.
      fingerprint: (file: File) =>
        Promise.resolve(
          // a confirmed resend is a new upload (the held one was refused and removed on the server)
          ['zhiyin', userId, job.item.path, file.size, file.lastModified, job.item.overrideReason ? 'confirmed' : '']
            .filter((x) => x !== '')
            .join('|'),
        ),
      onBeforeRequest: async (req) => {
        const token = await session.validToken().catch(() => session.get()?.accessToken ?? null);
        if (token) req.setHeader('Authorization', `Bearer ${token}`);
      },
      onAfterResponse: (req, res) => {
        // After an interruption, HEAD tells how much arrived: the upload goes on from there.
        if (req.getMethod() === 'HEAD' && res.getStatus() === 200) {
          const offset = Number(res.getHeader('Upload-Offset'));
          if (Number.isFinite(offset)) this.update(job, { resumedFrom: offset, sent: offset });
        }
      },
      onShouldRetry: (err, attempt) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        // Another patient's file is a refusal for the doctor to decide on, not a conflict to retry.
        if (status === 409 && mismatchOf(err.originalResponse?.getBody() ?? '')) return false;
        // An expired token mid-upload: renew and go on.
        if (status === 401) return attempt < 2;
        if (status === 0 || status >= 500 || status === 409 || status === 423) {
          this.update(job, { state: 'retrying' });
          return true;
        }
        return false;
      },
      onProgress: (sent) => {
        if (job.item.state !== 'uploading' || Math.abs(sent - job.item.sent) >= 1) {
          this.update(job, { state: 'uploading', sent: Math.max(sent, 0) });
        }
      },
      onSuccess: ({ lastResponse }) => {
        const body = lastResponse.getBody();
        this.update(job, { state: 'stored', sent: job.item.size, studyUid: storedStudyOf(body) });
        this.attachStudy(job);
        this.pump();
      },
      onError: (err) => {
        const res = err instanceof DetailedError ? err.originalResponse : null;
        const status = res?.getStatus() ?? 0;
        const mismatch = res ? mismatchOf(res.getBody()) : undefined;
        if (mismatch) {
          this.update(job, { state: 'held', mismatch, error: { code: 'PATIENT_MISMATCH', message: '' } });
          this.pump();
          return;
        }
        const reason =
          (res ? failureOf(res.getBody()) : undefined) ??
          (status === 0
            ? { code: 'NETWORK', message: '' }
            : status === 413
              ? { code: 'PAYLOAD_TOO_LARGE', message: '' }
              : { code: `HTTP_${status}`, message: '' });
        this.update(job, { state: 'failed', error: reason });
        this.pump();
      },
    });
    job.upload = upload;
    void upload.findPreviousUploads().then((previous) => {
      const match = previous[0];
      if (match) upload.resumeFromPreviousUpload(match);
      upload.start();
    });
  }
}

export const uploadQueue = new UploadQueue();

/**
 * How many files sent for a referral have been stored so far in this tab. A screen showing the referral
 * reads it again when this grows: the server files each stored file under the referral's study, which
 * changes its counts without a referral event.
 */
export function storedFor(items: readonly UploadItem[], referralId: string): number {
  return items.filter((i) => i.referralId === referralId && i.state === 'stored').length;
}
