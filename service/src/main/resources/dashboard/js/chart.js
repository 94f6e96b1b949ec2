// Throughput of the last hour as stacked SVG bars (succeeded, failed, cancelled per minute).
import {s, h} from './dom.js';

const WIDTH = 720;
const HEIGHT = 170;
const LEFT = 34;
const BOTTOM = 20;
const SERIES = [['succeeded', 'ok'], ['failed', 'bad'], ['cancelled', 'grey']];

export function throughputChart(minutes) {
  const points = minutes || [];
  const total = (p) => (p.succeeded || 0) + (p.failed || 0) + (p.cancelled || 0);
  const max = Math.max(1, ...points.map(total));
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - BOTTOM - 8;
  const slot = plotWidth / Math.max(points.length, 60);
  const bars = [];
  points.forEach((point, i) => {
    let y = 8 + plotHeight;
    const label = new Date(point.minute).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', hour12: false});
    const group = s('g', {class: 'minute'}, s('title', {}, `${label}: ${point.succeeded || 0} succeeded, ${point.failed || 0} failed, ${point.cancelled || 0} cancelled`));
    for (const [key, css] of SERIES) {
      const value = point[key] || 0;
      if (value === 0) continue;
      const height = (value / max) * plotHeight;
      y -= height;
      group.appendChild(s('rect', {class: 'bar ' + css, x: LEFT + i * slot + 1, y, width: Math.max(1, slot - 2), height}));
    }
    group.appendChild(s('rect', {class: 'hover', x: LEFT + i * slot, y: 8, width: slot, height: plotHeight}));
    bars.push(group);
  });
  const axis = [
    s('line', {class: 'axis', x1: LEFT, y1: 8 + plotHeight, x2: WIDTH - 4, y2: 8 + plotHeight}),
    s('text', {class: 'tick', x: LEFT - 4, y: 14, 'text-anchor': 'end'}, String(max)),
    s('text', {class: 'tick', x: LEFT - 4, y: 8 + plotHeight, 'text-anchor': 'end'}, '0'),
  ];
  points.forEach((point, i) => {
    if (i % 15 !== 0 && i !== points.length - 1) return;
    const label = new Date(point.minute).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', hour12: false});
    const anchor = i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle';
    const x = i === 0 ? LEFT : i === points.length - 1 ? LEFT + (i + 1) * slot : LEFT + i * slot + slot / 2;
    axis.push(s('text', {class: 'tick', x, y: HEIGHT - 4, 'text-anchor': anchor}, label));
  });
  const svg = s('svg', {class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'tasks finished per minute, last hour'}, axis, bars);
  const legend = h('div', {class: 'legend'},
    SERIES.map(([key, css]) => h('span', {class: 'key ' + css}, key)));
  return h('div', {class: 'chart-box'}, svg, legend);
}
