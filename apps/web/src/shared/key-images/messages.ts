// Messages of the key images list (shared by the reading room's report and viewer): 简体中文 first, English with the
// same keys.
export const zh = {
  'keyImages.title': '关键图像',
  'keyImages.none': '尚未标记关键图像。在阅片器中标记的图像及其测量将写入报告。',
  'keyImages.caption': '序列 {series} / 图像 {image}',
  'keyImages.frame': '帧 {frame}',
  'keyImages.remove': '移除',
  'keyImages.removeLabel': '移除关键图像 {caption}',
  'keyImages.thumbnail': '关键图像 {caption}',
  'keyImages.noMeasurements': '无测量',
};

export const en: Record<keyof typeof zh, string> = {
  'keyImages.title': 'Key images',
  'keyImages.none': 'No key images yet. Images marked in the viewer, with their measurements, go into the report.',
  'keyImages.caption': 'Series {series} / Image {image}',
  'keyImages.frame': 'Frame {frame}',
  'keyImages.remove': 'Remove',
  'keyImages.removeLabel': 'Remove key image {caption}',
  'keyImages.thumbnail': 'Key image {caption}',
  'keyImages.noMeasurements': 'No measurements',
};
