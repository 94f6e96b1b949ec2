import {h} from './dom.js';
import * as fmt from './format.js';

export function statusBadge(status, retrying) {
  const label = retrying ? 'RETRYING' : status;
  return h('span', {class: 'status s-' + String(status).toLowerCase(), dataset: {status: label}}, label);
}

export function taskLink(id, text) {
  return h('a', {href: '#/tasks/' + encodeURIComponent(id), class: 'task-link'}, text || id);
}

export function section(title, ...content) {
  return h('section', {class: 'card'}, h('h2', {}, title), content);
}

export function table(headers, rows, attrs = {}) {
  const first = rows.length ? rows[0].children : [];
  const numeric = (i) => first[i] && first[i].classList.contains('num');
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map((x, i) => h('th', {class: numeric(i) ? 'num' : null}, x)))),
    h('tbody', {}, rows));
}

export function empty(text) {
  return h('p', {class: 'muted'}, text);
}

export function errorBox(error) {
  const type = error && error.errorType ? error.errorType + ': ' : '';
  return h('div', {class: 'error-box', role: 'alert'}, type + (error && error.message ? error.message : String(error)));
}

export function pre(value, attrs = {}) {
  return h('pre', attrs, fmt.json(value));
}

export function labels(map) {
  const entries = Object.entries(map || {});
  if (entries.length === 0) return null;
  return h('span', {class: 'labels'}, entries.map(([k, v]) => h('span', {class: 'label'}, k + '=' + v)));
}

/**
 * Wraps an async loader: one run at a time, starts at least `ms` apart; calls meanwhile coalesce into one more run,
 * so a slow older answer is never drawn over a newer one.
 */
export function serial(load, ms) {
  let planned = false;
  let running = null;
  let lastStart = 0;
  async function schedule() {
    if (planned) return;
    planned = true;
    if (running) await running;
    const wait = lastStart + ms - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    planned = false;
    lastStart = Date.now();
    running = Promise.resolve().then(load).catch((e) => console.error(e));
    try { await running; } finally { running = null; }
  }
  return () => { schedule(); };
}
