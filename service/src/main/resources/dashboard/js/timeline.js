// Attempts and their journaled steps on one time axis, each with its duration.
import {h} from './dom.js';
import * as fmt from './format.js';
import {taskLink} from './widgets.js';

function span(startMs, endMs, range) {
  const total = Math.max(1, range.end - range.start);
  const left = ((startMs - range.start) / total) * 100;
  const width = Math.max(0.4, ((endMs - startMs) / total) * 100);
  return {left: left.toFixed(2) + '%', width: Math.min(width, 100 - left).toFixed(2) + '%'};
}

function row(kind, css, label, extra, startMs, endMs, range, title) {
  return h('div', {class: 'tl-row ' + css, dataset: {kind}},
    h('span', {class: 'tl-label'}, label, extra),
    h('span', {class: 'tl-track'},
      h('span', {class: 'tl-bar', title, style: span(startMs, endMs, range)})),
    h('span', {class: 'tl-duration'}, fmt.duration(endMs - startMs)));
}

export function timeline(task) {
  const now = Date.now();
  const attempts = (task.attempts || []).map((a) => ({
    ...a,
    start: Date.parse(a.started_at),
    end: a.finished_at ? Date.parse(a.finished_at) : now,
  }));
  const children = new Map((task.children || []).map((child) => [child.id, child]));
  const steps = (task.steps || []).map((step) => {
    const at = Date.parse(step.at);
    const child = step.child_id ? children.get(step.child_id) : null;
    if (child) {
      // a child step is journaled when the child starts; its bar runs until the child ended (or now)
      const end = fmt.ENDED.has(child.status) ? Math.max(at, Date.parse(child.updated_at)) : now;
      return {...step, start: at, end, childStatus: child.status};
    }
    return {...step, end: at, start: at - (step.duration_ms || 0)};
  });
  if (attempts.length === 0 && steps.length === 0) return null;
  const times = [...attempts, ...steps].flatMap((x) => [x.start, x.end]);
  const range = {start: Math.min(...times), end: Math.max(...times)};
  const rows = [];
  for (const attempt of attempts) {
    rows.push(row('attempt', 'tl-attempt a-' + String(attempt.status).toLowerCase(), 'attempt ' + attempt.attempt_no,
      h('span', {class: 'muted'}, ' ' + attempt.status), attempt.start, attempt.end, range,
      `attempt ${attempt.attempt_no}: ${attempt.status}`));
    for (const step of steps.filter((x) => x.attempt_no === attempt.attempt_no)) rows.push(stepRow(step, range));
  }
  const orphans = steps.filter((x) => !attempts.some((a) => a.attempt_no === x.attempt_no));
  orphans.forEach((step) => rows.push(stepRow(step, range)));
  return h('div', {class: 'timeline'},
    h('div', {class: 'tl-axis'}, h('span', {}, fmt.time(new Date(range.start).toISOString())),
      h('span', {}, fmt.duration(range.end - range.start)), h('span', {}, fmt.time(new Date(range.end).toISOString()))),
    rows);
}

function stepRow(step, range) {
  const target = step.child_id ? taskLink(step.child_id, step.target) : h('span', {class: 'mono'}, step.target);
  const replayed = step.replays ? h('span', {class: 'muted'}, ` replayed ${step.replays}×`) : null;
  const childStatus = step.childStatus ? ' c-' + step.childStatus.toLowerCase() : '';
  return row(step.kind, 'tl-step k-' + step.kind + childStatus, h('span', {class: 'kind'}, step.kind), [' ', target, replayed],
    step.start, step.end, range, `step ${step.step_no}: ${step.kind} ${step.target}`);
}
