// The part of dcmjs (no type declarations of its own) that the conversion of cart files uses.
declare module 'dcmjs' {
  type Naturalized = Record<string, unknown>;
  class DicomDict {
    constructor(meta: Record<string, unknown>);
    dict: Record<string, unknown>;
    write(options?: { fragmentMultiframe?: boolean; allowInvalidVRLength?: boolean }): ArrayBuffer;
  }
  const data: {
    DicomDict: typeof DicomDict;
    DicomMetaDictionary: {
      denaturalizeDataset(dataset: Naturalized): Record<string, unknown>;
    };
  };
  const dcmjs: { data: typeof data };
  export default dcmjs;
}
