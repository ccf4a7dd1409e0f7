// ECharts ships its locales as plain objects without typings.
declare module 'echarts/i18n/langJA-obj.js' {
  const locale: Record<string, unknown>;
  export default locale;
}
