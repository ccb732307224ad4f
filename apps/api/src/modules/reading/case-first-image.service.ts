import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { opensAsImage, sortSlices } from '@zhiyin/dicom';
import { studyReadScope, type StudyReadScope } from '@zhiyin/workflow';
import type { Logger } from 'pino';
import { LOGGER } from '#src/common/logging/logger.js';
import type { Actor } from '#src/common/request-context.js';
import type { RenderOptions } from '#src/modules/imaging/render.js';
import type { Rendered } from '#src/modules/imaging/render-cache.js';
import { WadoService } from '#src/modules/imaging/wado.service.js';
import type { CaseWarmer } from '#src/modules/referrals/case-warmer.port.js';
import { ReferralsService } from '#src/modules/referrals/referrals.service.js';
import { CaseImageRepository } from './case-image.repository.js';

// The image a case opens on in the reading room, in one request: a page opened cold (a new tab, an offer's link)
// would otherwise ask for the referral, its series, the series' slice order and then the rendering, one after the
// other — four round trips and a rendering (0.3–0.5 s for a first JPEG lossless frame) before the radiologist sees
// anything. It is made ahead when the case is submitted, accepted or claimed (CaseWarmer), so that the answer
// comes from memory; the answer itself goes through the referral's and the study's scope and its audit row like
// any rendered frame.

/** The PNG of WADO-RS `…/frames/1/rendered` asked for with `Accept: image/png` and no parameters. */
export const FIRST_IMAGE_OPTIONS: RenderOptions = { type: 'image/png' };

export interface CaseFirstImage extends Rendered {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

interface Target {
  studyUid: string;
  seriesUid: string;
  sopInstanceUid: string;
}

// Cases waiting to have their first image made; more than this at once (a burst of submissions) are left to be
// made when their reader asks.
const MAX_WAITING = 64;

@Injectable()
export class CaseFirstImageService implements CaseWarmer, OnModuleDestroy {
  private readonly waiting = new Set<string>();
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly referrals: ReferralsService,
    private readonly repo: CaseImageRepository,
    private readonly wado: WadoService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * The case's first image for a reader of the referral; undefined when the case has no image to draw first (its
   * first series is an ECG or a document, or has no pixel data). 404 (audited) when the caller may not read the
   * referral; the image itself is read through the caller's study scope and audited as a rendered frame.
   */
  async get(actor: Actor, referralId: string): Promise<CaseFirstImage | undefined> {
    // Both at once: the pick is within the caller's study scope anyway, and nothing of it is answered unless the
    // caller may read the referral.
    const [, target] = await Promise.all([
      this.referrals.readable(actor, referralId, 'referral.first_image.read'),
      this.pick(referralId, studyReadScope(actor)),
    ]);
    if (!target) return undefined;
    const [inst] = await this.wado.instances(
      actor,
      { studyUid: target.studyUid, seriesUid: target.seriesUid, sopInstanceUid: target.sopInstanceUid },
      'rendered',
    );
    const out = await this.wado.rendered(inst!, 1, FIRST_IMAGE_OPTIONS);
    await this.wado.auditRetrieve([inst!], 'rendered');
    return {
      ...out,
      studyInstanceUid: target.studyUid,
      seriesInstanceUid: target.seriesUid,
      sopInstanceUid: target.sopInstanceUid,
    };
  }

  /** Makes the case's first image ahead, one case at a time, after what is running now. */
  warm(referralId: string): void {
    if (this.stopped || this.waiting.size >= MAX_WAITING) return;
    this.waiting.add(referralId);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves once every case asked for has been made (tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.waiting.clear();
  }

  private async drain(): Promise<void> {
    // a turn of the event loop first: the request that asked (a submit, a claim) is answered before this starts
    await new Promise((resolve) => setImmediate(resolve));
    for (const id of this.waiting) {
      this.waiting.delete(id);
      if (this.stopped) return;
      try {
        const target = await this.pick(id, null);
        if (target) await this.wado.renderAhead(target.sopInstanceUid, 1, FIRST_IMAGE_OPTIONS);
      } catch (err) {
        // the reader's own request makes it, and answers what is wrong
        this.logger.warn({ errType: (err as Error)?.name, referralId: id }, 'first image not made ahead');
      }
    }
  }

  /**
   * Frame 1 of the first image of the first series, in slice order — what the reading room's viewer opens on
   * (the study pane's first series; the viewer's slice order, the same function; the first instance with Rows).
   */
  private async pick(referralId: string, scope: StudyReadScope | null): Promise<Target | undefined> {
    const series = await this.repo.firstSeries(referralId, scope);
    if (!series || !opensAsImage(series.modality)) return undefined;
    const rows = sortSlices(await this.repo.sliceRows(series.series_id), (r) => r.attrs);
    const first = rows.find((r) => Number(r.attrs['00280010']?.Value?.[0]) > 0);
    if (!first) return undefined;
    return {
      studyUid: series.study_instance_uid,
      seriesUid: series.series_instance_uid,
      sopInstanceUid: first.sop_instance_uid,
    };
  }
}
