import type { FacilityView, ReadingCentreView } from '@zhiyin/contracts';
import type { Facility, ReadingCentre } from './facility.repository.js';

/** A reading centre as the API answers it. */
export const toReadingCentreView = (c: ReadingCentre): ReadingCentreView => ({
  id: c.id,
  hubId: c.hubId,
  service: c.service,
  nameZh: c.nameZh,
  nameEn: c.nameEn,
});

/** A facility as the API answers it, with the reading centres that read for it (its own, or its hub's). */
export function toFacilityView(f: Facility, centres: readonly ReadingCentre[]): FacilityView {
  const hub = f.kind === 'hub' ? f.id : f.hubId;
  return {
    id: f.id,
    code: f.code,
    kind: f.kind,
    nameZh: f.nameZh,
    nameEn: f.nameEn,
    hubId: f.hubId,
    address: f.address,
    phone: f.phone,
    active: f.active,
    createdAt: f.createdAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
    readingCentres: centres.filter((c) => c.hubId === hub).map(toReadingCentreView),
  };
}
