/**
 * A compact data dictionary: VR and keyword of the attributes this platform reads, indexes, queries (QIDO-RS)
 * or returns as metadata. Implicit VR files carry no VRs, so every attribute whose value must be typed in the
 * DICOM JSON model needs an entry here; anything else in an implicit VR file becomes `UN` (PS3.18 F.2.3 allows it).
 * Source: PS3.6 (Data Dictionary). `US|SS` and `OB|OW` are resolved per data set (Pixel Representation, or OW in
 * implicit VR).
 */

const TABLE = `
00020000 UL FileMetaInformationGroupLength
00020001 OB FileMetaInformationVersion
00020002 UI MediaStorageSOPClassUID
00020003 UI MediaStorageSOPInstanceUID
00020010 UI TransferSyntaxUID
00020012 UI ImplementationClassUID
00020013 SH ImplementationVersionName
00020016 AE SourceApplicationEntityTitle
00020017 AE SendingApplicationEntityTitle
00020018 AE ReceivingApplicationEntityTitle
00020100 UI PrivateInformationCreatorUID
00020102 OB PrivateInformation
00041130 CS FileSetID
00041200 UL OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity
00041202 UL OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity
00041212 US FileSetConsistencyFlag
00041220 SQ DirectoryRecordSequence
00041400 UL OffsetOfTheNextDirectoryRecord
00041410 US RecordInUseFlag
00041420 UL OffsetOfReferencedLowerLevelDirectoryEntity
00041430 CS DirectoryRecordType
00041500 CS ReferencedFileID
00041510 UI ReferencedSOPClassUIDInFile
00041511 UI ReferencedSOPInstanceUIDInFile
00041512 UI ReferencedTransferSyntaxUIDInFile
00080005 CS SpecificCharacterSet
00080008 CS ImageType
00080012 DA InstanceCreationDate
00080013 TM InstanceCreationTime
00080014 UI InstanceCreatorUID
00080016 UI SOPClassUID
00080018 UI SOPInstanceUID
00080020 DA StudyDate
00080021 DA SeriesDate
00080022 DA AcquisitionDate
00080023 DA ContentDate
0008002A DT AcquisitionDateTime
00080030 TM StudyTime
00080031 TM SeriesTime
00080032 TM AcquisitionTime
00080033 TM ContentTime
00080050 SH AccessionNumber
00080051 SQ IssuerOfAccessionNumberSequence
00080052 CS QueryRetrieveLevel
00080054 AE RetrieveAETitle
00080056 CS InstanceAvailability
00080060 CS Modality
00080061 CS ModalitiesInStudy
00080062 UI SOPClassesInStudy
00080064 CS ConversionType
00080068 CS PresentationIntentType
00080070 LO Manufacturer
00080080 LO InstitutionName
00080081 ST InstitutionAddress
00080090 PN ReferringPhysicianName
00080096 SQ ReferringPhysicianIdentificationSequence
00080100 SH CodeValue
00080102 SH CodingSchemeDesignator
00080103 SH CodingSchemeVersion
00080104 LO CodeMeaning
00080105 CS MappingResource
00080106 DT ContextGroupVersion
0008010F CS ContextIdentifier
00080119 UC LongCodeValue
00080120 UR URNCodeValue
00080201 SH TimezoneOffsetFromUTC
00081010 SH StationName
00081030 LO StudyDescription
00081032 SQ ProcedureCodeSequence
0008103E LO SeriesDescription
00081040 LO InstitutionalDepartmentName
00081048 PN PhysiciansOfRecord
00081050 PN PerformingPhysicianName
00081060 PN NameOfPhysiciansReadingStudy
00081070 PN OperatorsName
00081080 LO AdmittingDiagnosesDescription
00081090 LO ManufacturerModelName
00081110 SQ ReferencedStudySequence
00081111 SQ ReferencedPerformedProcedureStepSequence
00081115 SQ ReferencedSeriesSequence
00081120 SQ ReferencedPatientSequence
00081140 SQ ReferencedImageSequence
00081150 UI ReferencedSOPClassUID
00081155 UI ReferencedSOPInstanceUID
00081160 IS ReferencedFrameNumber
00081190 UR RetrieveURL
00081199 SQ ReferencedSOPSequence
00082111 ST DerivationDescription
00082112 SQ SourceImageSequence
00082218 SQ AnatomicRegionSequence
00089215 SQ DerivationCodeSequence
00100010 PN PatientName
00100020 LO PatientID
00100021 LO IssuerOfPatientID
00100022 CS TypeOfPatientID
00100024 SQ IssuerOfPatientIDQualifiersSequence
00100030 DA PatientBirthDate
00100032 TM PatientBirthTime
00100040 CS PatientSex
00101000 LO OtherPatientIDs
00101001 PN OtherPatientNames
00101002 SQ OtherPatientIDsSequence
00101005 PN PatientBirthName
00101010 AS PatientAge
00101020 DS PatientSize
00101030 DS PatientWeight
00101040 LO PatientAddress
00101060 PN PatientMotherBirthName
00102154 SH PatientTelephoneNumbers
00102160 SH EthnicGroup
00102180 SH Occupation
001021B0 LT AdditionalPatientHistory
00104000 LT PatientComments
00180010 LO ContrastBolusAgent
00180015 CS BodyPartExamined
00180020 CS ScanningSequence
00180021 CS SequenceVariant
00180022 CS ScanOptions
00180023 CS MRAcquisitionType
00180050 DS SliceThickness
00180060 DS KVP
00180080 DS RepetitionTime
00180081 DS EchoTime
00180082 DS InversionTime
00180083 DS NumberOfAverages
00180084 DS ImagingFrequency
00180087 DS MagneticFieldStrength
00180088 DS SpacingBetweenSlices
00180091 IS EchoTrainLength
00181000 LO DeviceSerialNumber
00181020 LO SoftwareVersions
00181030 LO ProtocolName
00181063 DS FrameTime
00181088 IS HeartRate
00181150 IS ExposureTime
00181151 IS XRayTubeCurrent
00181152 IS Exposure
00181164 DS ImagerPixelSpacing
00181210 SH ConvolutionKernel
00181250 SH ReceiveCoilName
00181310 US AcquisitionMatrix
00181314 DS FlipAngle
00181800 CS AcquisitionTimeSynchronized
00181801 SH TimeSource
00185100 CS PatientPosition
00185101 CS ViewPosition
0020000D UI StudyInstanceUID
0020000E UI SeriesInstanceUID
00200010 SH StudyID
00200011 IS SeriesNumber
00200012 IS AcquisitionNumber
00200013 IS InstanceNumber
00200020 CS PatientOrientation
00200032 DS ImagePositionPatient
00200037 DS ImageOrientationPatient
00200052 UI FrameOfReferenceUID
00200060 CS Laterality
00200062 CS ImageLaterality
00201002 IS ImagesInAcquisition
00201040 LO PositionReferenceIndicator
00201041 DS SliceLocation
00201200 IS NumberOfPatientRelatedStudies
00201202 IS NumberOfPatientRelatedSeries
00201204 IS NumberOfPatientRelatedInstances
00201206 IS NumberOfStudyRelatedSeries
00201208 IS NumberOfStudyRelatedInstances
00201209 IS NumberOfSeriesRelatedInstances
00204000 LT ImageComments
00209161 UI ConcatenationUID
00280002 US SamplesPerPixel
00280004 CS PhotometricInterpretation
00280006 US PlanarConfiguration
00280008 IS NumberOfFrames
00280009 AT FrameIncrementPointer
00280010 US Rows
00280011 US Columns
00280030 DS PixelSpacing
00280034 IS PixelAspectRatio
00280100 US BitsAllocated
00280101 US BitsStored
00280102 US HighBit
00280103 US PixelRepresentation
00280106 US|SS SmallestImagePixelValue
00280107 US|SS LargestImagePixelValue
00280108 US|SS SmallestPixelValueInSeries
00280109 US|SS LargestPixelValueInSeries
00280120 US|SS PixelPaddingValue
00280121 US|SS PixelPaddingRangeLimit
00280300 CS QualityControlImage
00280301 CS BurnedInAnnotation
00280302 CS RecognizableVisualFeatures
00281040 CS PixelIntensityRelationship
00281041 SS PixelIntensityRelationshipSign
00281050 DS WindowCenter
00281051 DS WindowWidth
00281052 DS RescaleIntercept
00281053 DS RescaleSlope
00281054 LO RescaleType
00281055 LO WindowCenterWidthExplanation
00281056 CS VOILUTFunction
00281101 US|SS RedPaletteColorLookupTableDescriptor
00281102 US|SS GreenPaletteColorLookupTableDescriptor
00281103 US|SS BluePaletteColorLookupTableDescriptor
00281199 UI PaletteColorLookupTableUID
00281201 OW RedPaletteColorLookupTableData
00281202 OW GreenPaletteColorLookupTableData
00281203 OW BluePaletteColorLookupTableData
00282110 CS LossyImageCompression
00282112 DS LossyImageCompressionRatio
00282114 CS LossyImageCompressionMethod
00283000 SQ ModalityLUTSequence
00283002 US|SS LUTDescriptor
00283003 LO LUTExplanation
00283004 LO ModalityLUTType
00283006 US|OW LUTData
00283010 SQ VOILUTSequence
30040002 CS DoseUnits
30040004 CS DoseType
3004000A CS DoseSummationType
3004000C DS GridFrameOffsetVector
3004000E DS DoseGridScaling
300A0002 SH RTPlanLabel
300A0003 LO RTPlanName
300A0006 DA RTPlanDate
300A0007 TM RTPlanTime
300A000C CS RTPlanGeometry
00321032 PN RequestingPhysician
00321033 LO RequestingService
00321060 LO RequestedProcedureDescription
00321064 SQ RequestedProcedureCodeSequence
00324000 LT StudyComments
00380010 LO AdmissionID
003A0004 CS WaveformOriginality
003A0005 US NumberOfWaveformChannels
003A0010 UL NumberOfWaveformSamples
003A001A DS SamplingFrequency
003A0020 SH MultiplexGroupLabel
003A0200 SQ ChannelDefinitionSequence
003A0202 IS WaveformChannelNumber
003A0203 SH ChannelLabel
003A0205 CS ChannelStatus
003A0208 SQ ChannelSourceSequence
003A0209 SQ ChannelSourceModifiersSequence
003A020A SQ SourceWaveformSequence
003A020C LO ChannelDerivationDescription
003A0210 DS ChannelSensitivity
003A0211 SQ ChannelSensitivityUnitsSequence
003A0212 DS ChannelSensitivityCorrectionFactor
003A0213 DS ChannelBaseline
003A0214 DS ChannelTimeSkew
003A0215 DS ChannelSampleSkew
003A0218 DS ChannelOffset
003A021A US WaveformBitsStored
003A0220 DS FilterLowFrequency
003A0221 DS FilterHighFrequency
003A0222 DS NotchFilterFrequency
003A0223 DS NotchFilterBandwidth
003A0230 FL WaveformDataDisplayScale
003A0240 SQ WaveformPresentationGroupSequence
003A0241 US PresentationGroupNumber
003A0242 SQ ChannelDisplaySequence
00400009 SH ScheduledProcedureStepID
00400244 DA PerformedProcedureStepStartDate
00400245 TM PerformedProcedureStepStartTime
00400253 SH PerformedProcedureStepID
00400254 LO PerformedProcedureStepDescription
00400260 SQ PerformedProtocolCodeSequence
00400275 SQ RequestAttributesSequence
00400555 SQ AcquisitionContextSequence
004008EA SQ MeasurementUnitsCodeSequence
00401001 SH RequestedProcedureID
00402016 LO PlacerOrderNumberImagingServiceRequest
00402017 LO FillerOrderNumberImagingServiceRequest
0040A010 CS RelationshipType
0040A027 LO VerifyingOrganization
0040A030 DT VerificationDateTime
0040A032 DT ObservationDateTime
0040A040 CS ValueType
0040A043 SQ ConceptNameCodeSequence
0040A050 CS ContinuityOfContent
0040A073 SQ VerifyingObserverSequence
0040A075 PN VerifyingObserverName
0040A088 SQ VerifyingObserverIdentificationCodeSequence
0040A0B0 US ReferencedWaveformChannels
0040A120 DT DateTime
0040A121 DA Date
0040A122 TM Time
0040A123 PN PersonName
0040A124 UI UID
0040A130 CS TemporalRangeType
0040A132 UL ReferencedSamplePositions
0040A138 DS ReferencedTimeOffsets
0040A13A DT ReferencedDateTime
0040A160 UT TextValue
0040A168 SQ ConceptCodeSequence
0040A180 US AnnotationGroupNumber
0040A195 SQ ModifierCodeSequence
0040A300 SQ MeasuredValueSequence
0040A30A DS NumericValue
0040A370 SQ ReferencedRequestSequence
0040A372 SQ PerformedProcedureCodeSequence
0040A375 SQ CurrentRequestedProcedureEvidenceSequence
0040A491 CS CompletionFlag
0040A493 CS VerificationFlag
0040A504 SQ ContentTemplateSequence
0040A730 SQ ContentSequence
0040B020 SQ WaveformAnnotationSequence
0040DB00 CS TemplateIdentifier
0040DB73 UL ReferencedContentItemIdentifier
00700001 SQ GraphicAnnotationSequence
00700006 ST UnformattedTextValue
00700080 CS ContentLabel
00700081 LO ContentDescription
00700082 DA PresentationCreationDate
00700083 TM PresentationCreationTime
00700084 PN ContentCreatorName
00880200 SQ IconImageSequence
54000100 SQ WaveformSequence
54000110 OB|OW ChannelMinimumValue
54000112 OB|OW ChannelMaximumValue
54001004 US WaveformBitsAllocated
54001006 CS WaveformSampleInterpretation
5400100A OB|OW WaveformPaddingValue
54001010 OB|OW WaveformData
56000020 OF SpectroscopyData
7FE00001 OV ExtendedOffsetTable
7FE00002 OV ExtendedOffsetTableLengths
7FE00008 OF FloatPixelData
7FE00009 OD DoubleFloatPixelData
7FE00010 OB|OW PixelData
FFFAFFFA SQ DigitalSignaturesSequence
FFFCFFFC OB DataSetTrailingPadding
`;

/** Overlay attributes repeat over groups 6000-601E (even); keyed here by element number. */
const OVERLAY = `
0010 US OverlayRows
0011 US OverlayColumns
0015 IS NumberOfFramesInOverlay
0022 LO OverlayDescription
0040 CS OverlayType
0045 LO OverlaySubtype
0050 SS OverlayOrigin
0051 US ImageFrameOrigin
0100 US OverlayBitsAllocated
0102 US OverlayBitPosition
1500 LO OverlayLabel
3000 OB|OW OverlayData
`;

/** One dictionary entry. */
export interface DictionaryEntry {
  /** `GGGGEEEE`, upper-case hex. */
  tag: string;
  /** The VR, or two alternatives such as `US|SS` resolved per data set. */
  vr: string;
  /** The DICOM keyword (PS3.6). */
  keyword: string;
}

function parseTable(text: string): Map<string, DictionaryEntry> {
  const map = new Map<string, DictionaryEntry>();
  for (const line of text.split('\n')) {
    const [tag, vr, keyword] = line.trim().split(' ');
    if (tag && vr && keyword) map.set(tag, { tag, vr, keyword });
  }
  return map;
}

const BY_TAG = parseTable(TABLE);
const OVERLAY_BY_ELEMENT = parseTable(OVERLAY);
const BY_KEYWORD = new Map<string, DictionaryEntry>([...BY_TAG.values()].map((e) => [e.keyword, e]));

/**
 * Looks up a tag in the compact dictionary.
 *
 * @param tag - `GGGGEEEE` (any case)
 * @returns the entry, or undefined for tags outside the dictionary (private tags: only creators, as LO)
 */
export function lookupTag(tag: string): DictionaryEntry | undefined {
  const t = tag.toUpperCase();
  const hit = BY_TAG.get(t);
  if (hit) return hit;
  const group = parseInt(t.slice(0, 4), 16);
  const element = parseInt(t.slice(4), 16);
  if (group >= 0x6000 && group <= 0x601e && group % 2 === 0) {
    const o = OVERLAY_BY_ELEMENT.get(t.slice(4));
    return o ? { tag: t, vr: o.vr, keyword: o.keyword } : undefined;
  }
  if (element === 0) return { tag: t, vr: 'UL', keyword: 'GroupLength' };
  if (group % 2 === 1 && element >= 0x10 && element <= 0xff) {
    return { tag: t, vr: 'LO', keyword: 'PrivateCreator' };
  }
  return undefined;
}

/**
 * The DICOM keyword of a tag (for messages and QIDO `includefield`).
 *
 * @param tag - `GGGGEEEE`
 * @returns the keyword, or undefined when the tag is not in the compact dictionary
 */
export function keywordOf(tag: string): string | undefined {
  return lookupTag(tag)?.keyword;
}

/**
 * Resolves a keyword (e.g. `PatientName`) or a tag (`00100010`, `0010,0010`, `(0010,0010)`) to `GGGGEEEE`.
 * QIDO-RS accepts both forms for query keys and `includefield`.
 *
 * @param keywordOrTag - a keyword from the compact dictionary or a tag in hex
 * @returns `GGGGEEEE`, or undefined when neither form matches
 */
export function tagOf(keywordOrTag: string): string | undefined {
  const entry = BY_KEYWORD.get(keywordOrTag);
  if (entry) return entry.tag;
  const hex = keywordOrTag.replace(/[(),\s]/g, '').toUpperCase();
  return /^[0-9A-F]{8}$/.test(hex) ? hex : undefined;
}

/**
 * Formats a tag for messages: `(0020,000D) StudyInstanceUID`.
 *
 * @param tag - `GGGGEEEE`
 * @returns the display form
 */
export function describeTag(tag: string): string {
  const t = tag.toUpperCase();
  const kw = keywordOf(t);
  return `(${t.slice(0, 4)},${t.slice(4)})${kw ? ` ${kw}` : ''}`;
}

/**
 * Is this a private tag (odd group)?
 *
 * @param tag - `GGGGEEEE`
 * @returns true for odd groups
 */
export function isPrivateTag(tag: string): boolean {
  return parseInt(tag.slice(0, 4), 16) % 2 === 1;
}
