// The task list: the API's filters, kept in the URL (#/tasks?status=FAILED&label=team=search), rows updated live.
import {api, query, Unauthorized} from '../api.js';
import {h, replace} from '../dom.js';
import * as fmt from '../format.js';
import {statusBadge, taskLink, labels, errorBox, empty, serial} from '../widgets.js';

const FILTERS = ['status', 'name', 'language', 'label', 'parent', 'roots_only', 'since', 'until', 'q', 'limit'];

function filtersFrom(params) {
  const filters = {};
  for (const key of FILTERS) {
    const values = params.getAll(key).filter((v) => v !== '');
    if (values.length) filters[key] = key === 'label' ? values : values[0];
  }
  return filters;
}

function filterForm(filters, apply) {
  const select = (name, options) => h('select', {name},
    h('option', {value: ''}, 'any ' + name),
    options.map((o) => h('option', {value: o, selected: filters[name] === o}, o)));
  const text = (name, placeholder, width) => h('input', {
    name, placeholder, value: filters[name] || '', class: width || '', type: 'text', autocomplete: 'off',
  });
  const moment = (name) => h('label', {class: 'inline'}, name + ' ',
    h('input', {name, type: 'datetime-local', value: fmt.toLocalInput(filters[name])}));
  const form = h('form', {class: 'filters'},
    text('q', 'id prefix or name', 'wide'),
    select('status', [...fmt.STATUSES, 'RETRYING']),
    text('name', 'name'),
    select('language', ['python', 'javascript', 'wasm']),
    text('label', 'label: key=value, …'),
    text('parent', 'parent id'),
    h('label', {class: 'inline'}, h('input', {type: 'checkbox', name: 'roots_only', checked: filters.roots_only === 'true'}), ' roots only'),
    moment('since'), moment('until'),
    h('button', {type: 'submit'}, 'Apply'),
    h('a', {href: '#/tasks', class: 'button-link'}, 'Clear'));
  if (filters.label) form.elements.label.value = filters.label.join(', ');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next = {};
    for (const key of ['q', 'status', 'name', 'language', 'parent']) next[key] = String(data.get(key) || '').trim();
    next.label = String(data.get('label') || '').split(',').map((x) => x.trim()).filter(Boolean);
    next.roots_only = data.get('roots_only') ? 'true' : '';
    next.since = fmt.toIso(String(data.get('since') || ''));
    next.until = fmt.toIso(String(data.get('until') || ''));
    next.limit = filters.limit || '';
    apply(next);
  });
  return form;
}

function taskRow(task) {
  return h('tr', {dataset: {id: task.id}},
    h('td', {}, taskLink(task.id, task.name)),
    h('td', {class: 'cell-status'}, statusBadge(task.status, task.retrying)),
    h('td', {class: 'mono small'}, taskLink(task.id, task.id)),
    h('td', {}, task.language || '—'),
    h('td', {class: 'num cell-attempts'}, String(task.attempts ?? 0)),
    h('td', {}, fmt.time(task.created_at)),
    h('td', {class: 'cell-updated'}, fmt.time(task.updated_at)),
    h('td', {}, task.parent_id ? taskLink(task.parent_id, '↑ parent') : 'root'),
    h('td', {}, labels(task.labels)));
}

export function mountTasks(root, params, ctx) {
  const filters = filtersFrom(params);
  const tbody = h('tbody', {});
  const more = h('button', {type: 'button', class: 'more', hidden: true}, 'Load more');
  const status = h('div', {class: 'list-status'});
  const tableNode = h('table', {class: 'tasks'},
    h('thead', {}, h('tr', {}, ['name', 'status', 'id', 'language', 'attempts', 'created', 'updated', 'parent', 'labels']
      .map((x) => h('th', {}, x)))),
    tbody);
  replace(root, h('h1', {}, 'Tasks'), filterForm(filters, (next) => ctx.navigate('/tasks' + query(next))),
    status, tableNode, more);
  let cursor = null;
  let stopped = false;
  // Events received so far, and the latest status each task was seen to take. A page fetched before an event
  // arrived may be older than it, so for such a task the event's status wins (events arrive in commit order).
  let eventCount = 0;
  const latest = new Map();

  async function loadPage(append) {
    const startedAt = eventCount;
    try {
      const page = await api('/tasks' + query({...filters, cursor: append ? cursor : null}));
      if (stopped) return;
      replace(status);
      const rows = page.tasks.map((task) => newerFromEvents(task, startedAt));
      if (append) {
        rows.forEach((task) => tbody.appendChild(taskRow(task)));
        cursor = page.next_cursor;
      } else {
        mergeFirstPage(rows, page.next_cursor);
      }
      more.hidden = !cursor;
      if (tbody.children.length === 0) replace(status, empty('No task matches.'));
    } catch (e) {
      if (!stopped && !(e instanceof Unauthorized)) replace(status, errorBox(e));
    }
  }

  function newerFromEvents(task, startedAt) {
    const seen = latest.get(task.id);
    if (!seen || seen.count <= startedAt) return task;
    return {...task, status: seen.status, retrying: seen.status === 'RETRY_WAIT' ? task.retrying : false,
      updated_at: seen.at, attempts: Math.max(task.attempts || 0, seen.attempt || 0)};
  }

  function mergeFirstPage(rows, nextCursor) {
    if (tbody.children.length === 0) {
      rows.forEach((task) => tbody.appendChild(taskRow(task)));
      cursor = nextCursor;
      return;
    }
    const fresh = rows.filter((task) => !rowOf(task.id));
    fresh.reverse().forEach((task) => {
      const row = taskRow(task);
      row.classList.add('flash');
      tbody.insertBefore(row, tbody.firstChild);
    });
    rows.forEach((task) => updateRow(task.id, task.status, task.retrying, task.updated_at, task.attempts));
  }

  function rowOf(id) {
    return tbody.querySelector(`tr[data-id="${CSS.escape(id)}"]`);
  }

  function updateRow(id, statusValue, retrying, at, attempts) {
    const row = rowOf(id);
    if (!row) return false;
    const cell = row.querySelector('.cell-status');
    const previous = cell.firstChild && cell.firstChild.dataset.status;
    replace(cell, statusBadge(statusValue, retrying));
    if (at) replace(row.querySelector('.cell-updated'), fmt.time(at));
    if (attempts !== null && attempts !== undefined) {
      const current = Number(row.querySelector('.cell-attempts').textContent) || 0;
      replace(row.querySelector('.cell-attempts'), String(Math.max(current, attempts)));
    }
    if (previous !== (retrying ? 'RETRYING' : statusValue)) {
      row.classList.remove('flash');
      void row.offsetWidth;
      row.classList.add('flash');
    }
    return true;
  }

  const refreshFirstPage = serial(() => loadPage(false), 1000);
  const unsubscribe = ctx.events.subscribe((event) => {
    eventCount += 1;
    latest.delete(event.task_id);
    latest.set(event.task_id, {count: eventCount, status: event.to, at: event.at, attempt: event.attempt_no});
    if (latest.size > 5000) latest.delete(latest.keys().next().value);
    const known = updateRow(event.task_id, event.to, false, event.at, event.attempt_no);
    if (!known || event.to === 'RETRY_WAIT') refreshFirstPage();
  });
  more.addEventListener('click', () => loadPage(true));
  refreshFirstPage();
  return () => { stopped = true; unsubscribe(); };
}
