import type { DutyShiftView } from '@zhiyin/contracts';
import type { DutyShift } from './duty-shifts.repository.js';

/** A duty shift as the roster answers it. */
export const toDutyShiftView = (s: DutyShift): DutyShiftView => ({
  id: s.id,
  userId: s.userId,
  readingCentreId: s.readingCentreId,
  startsAt: s.startsAt.toISOString(),
  endsAt: s.endsAt.toISOString(),
  nameZh: s.nameZh,
  nameEn: s.nameEn,
  specialty: s.specialty,
});
