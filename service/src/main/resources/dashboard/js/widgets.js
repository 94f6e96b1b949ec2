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
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
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

/** Calls fn at most once per `ms`, the last call winning. */
export function throttle(fn, ms) {
  let timer = null;
  let pending = false;
  return () => {
    if (timer) { pending = true; return; }
    fn();
    timer = setTimeout(function again() {
      timer = null;
      if (pending) { pending = false; fn(); timer = setTimeout(again, ms); }
    }, ms);
  };
}
