// The sandbox's limits against what the task's attempts used, as bars.
import {h} from './dom.js';
import * as fmt from './format.js';

const ROWS = [
  ['fuel', 'Fuel', fmt.count],
  ['ram_bytes', 'Memory peak', fmt.bytes],
  ['time_ms', 'Time', fmt.duration],
  ['retries', 'Retries', String],
];

function bar(key, title, format, usage) {
  const limit = usage && usage.limit !== null && usage.limit !== undefined ? usage.limit : null;
  const used = usage && usage.used !== null && usage.used !== undefined ? usage.used : null;
  const ratio = limit && used !== null ? used / limit : 0;
  const level = ratio >= 1 ? 'over' : ratio >= 0.8 ? 'high' : 'fine';
  const text = (used === null ? '—' : format(used)) + (limit !== null ? ' of ' + format(limit) : '');
  const percent = limit && used !== null ? ' (' + (ratio * 100).toFixed(ratio < 0.01 && ratio > 0 ? 2 : 0) + '%)' : '';
  return h('div', {class: 'usage', dataset: {limit: key}},
    h('span', {class: 'usage-name'}, title),
    h('span', {class: 'usage-track'},
      h('span', {class: 'usage-fill ' + level, style: {width: Math.min(100, ratio * 100).toFixed(2) + '%'}})),
    h('span', {class: 'usage-text'}, text + percent));
}

export function usageBars(limitsUsage) {
  const usage = limitsUsage || {};
  return h('div', {class: 'usage-bars'}, ROWS.map(([key, title, format]) => bar(key, title, format, usage[key])));
}
