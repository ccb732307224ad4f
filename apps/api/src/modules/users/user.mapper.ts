import type { UserView } from '@zhiyin/contracts';
import type { StaffAccount } from './user.repository.js';

/** A staff account as the administrator sees it: never the password hash. */
export const toUserView = (u: StaffAccount): UserView => ({
  id: u.id,
  username: u.username,
  role: u.role,
  facilityId: u.facilityId,
  specialty: u.specialty,
  readingCentreId: u.readingCentreId,
  displayNameZh: u.displayNameZh,
  displayNameEn: u.displayNameEn,
  active: u.active,
  onDuty: u.onDuty,
  createdAt: u.createdAt.toISOString(),
  updatedAt: u.updatedAt.toISOString(),
});
