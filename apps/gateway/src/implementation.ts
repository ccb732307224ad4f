import type { Implementation } from '@zhiyin/dimse';

// The gateway's own implementation class UID and version name (not the hub's): the File Meta Information of a file
// it received says which program wrote it.
export const GATEWAY_IMPLEMENTATION: Implementation = {
  classUid: '2.25.23936410817070470569110613730309361673',
  versionName: 'ZHIYIN_GW_01',
};
