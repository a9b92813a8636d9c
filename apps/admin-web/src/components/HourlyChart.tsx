import type { ActivitySummary } from '@scim/admin-api';
import { formatCount } from '../format';
import { dayStarts, niceCeiling } from './chart-scale';

const WIDTH = 840;
const HEIGHT = 170;
const TOP = 10;
const BOTTOM = 22;
const LEFT = 34;

const dayLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric' });
const hourLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });

/** Writes (and, in red, failures) per hour for the last 7 days, as inline SVG. */
export function HourlyChart({ hourly }: { hourly: ActivitySummary['hourly'] }) {
  const top = niceCeiling(Math.max(0, ...hourly.map((h) => h.writes)));
  const plotWidth = WIDTH - LEFT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const barWidth = plotWidth / Math.max(1, hourly.length);
  const y = (value: number) => TOP + plotHeight - (value / top) * plotHeight;
  const writes = hourly.reduce((sum, h) => sum + h.writes, 0);
  const failures = hourly.reduce((sum, h) => sum + h.failures, 0);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Writes and failures per hour over the last 7 days: ${formatCount(writes)} writes, ${formatCount(failures)} failures.`}
      >
        <line x1={LEFT} x2={WIDTH} y1={y(top)} y2={y(top)} className="grid" />
        <line x1={LEFT} x2={WIDTH} y1={y(top / 2)} y2={y(top / 2)} className="grid" />
        <line x1={LEFT} x2={WIDTH} y1={y(0)} y2={y(0)} className="axis" />
        <text x={LEFT - 6} y={y(top) + 4} className="tick" textAnchor="end">
          {formatCount(top)}
        </text>
        {Number.isInteger(top / 2) && (
          <text x={LEFT - 6} y={y(top / 2) + 4} className="tick" textAnchor="end">
            {formatCount(top / 2)}
          </text>
        )}
        <text x={LEFT - 6} y={y(0) + 4} className="tick" textAnchor="end">
          0
        </text>
        {hourly.map((h, i) => (
          <g key={h.hour}>
            <title>{`${hourLabel.format(new Date(h.hour))}: ${h.writes} writes, ${h.failures} failures`}</title>
            <rect x={LEFT + i * barWidth} y={TOP} width={barWidth} height={plotHeight} className="hover-target" />
            {h.writes > 0 && (
              <rect
                x={LEFT + i * barWidth + 0.5}
                y={y(h.writes)}
                width={Math.max(1, barWidth - 1)}
                height={y(0) - y(h.writes)}
                className="bar-writes"
              />
            )}
            {h.failures > 0 && (
              <rect
                x={LEFT + i * barWidth + 0.5}
                y={y(h.failures)}
                width={Math.max(1, barWidth - 1)}
                height={y(0) - y(h.failures)}
                className="bar-failures"
              />
            )}
          </g>
        ))}
        {dayStarts(hourly.map((h) => h.hour)).map((index) => (
          <g key={index}>
            <line x1={LEFT + index * barWidth} x2={LEFT + index * barWidth} y1={y(0)} y2={y(0) + 4} className="axis" />
            <text x={LEFT + index * barWidth + 3} y={HEIGHT - 6} className="tick">
              {dayLabel.format(new Date(hourly[index]!.hour))}
            </text>
          </g>
        ))}
      </svg>
      <figcaption className="legend">
        <span>
          <span className="swatch swatch-writes" aria-hidden="true" /> Writes
        </span>
        <span>
          <span className="swatch swatch-failures" aria-hidden="true" /> Failures
        </span>
        <span className="muted">per hour, last 7 days (your time zone)</span>
      </figcaption>
    </figure>
  );
}
