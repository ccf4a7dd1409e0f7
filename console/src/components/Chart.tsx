import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import langJA from 'echarts/i18n/langJA-obj.js';

// Only what the console draws (the bundle stays small); the Japanese locale is ECharts' own.
echarts.use([BarChart, LineChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, TitleComponent, AriaComponent, CanvasRenderer]);
echarts.registerLocale('JA', langJA as Parameters<typeof echarts.registerLocale>[1]);

export const CHART_FONT = '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic UI", Meiryo, sans-serif';

export interface ChartProps {
  /** What the chart shows, for screen readers and the test (aria-label). */
  readonly label: string;
  readonly option: echarts.EChartsCoreOption;
  /** Data points drawn (shown to tests and screen readers as data-points). */
  readonly points: number;
  readonly height?: number;
  readonly testId?: string;
}

/** One ECharts chart on a canvas; redrawn when its option changes, disposed with the component. */
export function Chart({ label, option, points, height = 320, testId }: ChartProps) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return undefined;
    const chart = echarts.init(element.current, undefined, { locale: 'JA', renderer: 'canvas' });
    chart.setOption({ animation: false, textStyle: { fontFamily: CHART_FONT }, aria: { enabled: true }, ...option });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    window.addEventListener('beforeprint', resize);
    return () => {
      window.removeEventListener('resize', resize);
      window.removeEventListener('beforeprint', resize);
      chart.dispose();
    };
  }, [option]);
  return <div ref={element} className="chart" role="img" aria-label={label} data-points={points} data-testid={testId} style={{ height }} />;
}
