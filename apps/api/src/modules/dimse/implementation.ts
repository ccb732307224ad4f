import type { Implementation } from '@zhiyin/dimse';

/** The hub's implementation class UID (a UUID-derived UID, PS3.5 B.2) and version name, on files and associations. */
export const HUB_IMPLEMENTATION: Implementation = {
  classUid: '2.25.23936410817070470569110613730309361672',
  versionName: 'ZHIYIN_010',
};
