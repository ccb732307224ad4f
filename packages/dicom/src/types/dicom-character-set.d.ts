// Local typings for the part of npm `dicom-character-set` 1.0.5 this package uses (it ships none).
declare module 'dicom-character-set' {
  export function convertBytes(specificCharacterSet: string, bytes: Uint8Array, options?: { vr?: string }): string;
}
