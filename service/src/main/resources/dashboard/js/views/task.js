// One task: what it was given and what came of it, its limits against usage, attempts, timeline, child tree,
// host requests, events and output. Everything shown from the task goes through textContent (dom.js).
import {api, query, Unauthorized} from '../api.js';
import {h, replace} from '../dom.js';
import * as fmt from '../format.js';
import {usageBars} from '../usage.js';
import {timeline} from '../timeline.js';
import {section, table, statusBadge, taskLink, labels, errorBox, empty, pre, serial} from '../widgets.js';

const CANCEL_OUTCOMES = {
  CANCELLED: 'Cancelled before it ran',
  REQUESTED: 'Cancel requested: its running attempt is being stopped',
  ALREADY_FINISHED: 'It had already finished',
};

function header(task, actions) {
  return h('div', {class: 'task-head'},
    h('div', {},
      h('h1', {}, h('span', {class: 'task-name'}, task.name), ' ', statusBadge(task.status, task.retrying)),
      h('div', {class: 'meta'},
        h('span', {class: 'mono task-id'}, task.id), ' · ', task.language || '—',
        ' · created ', fmt.time(task.created_at), ' · updated ', fmt.time(task.updated_at),
        task.run_at && task.status !== 'RUNNING' && !fmt.ENDED.has(task.status) ? [' · due ', fmt.time(task.run_at)] : null,
        task.rerun_of ? [' · rerun of ', taskLink(task.rerun_of)] : null,
        ' ', labels(task.labels))),
    actions);
}

function lineage(task, ancestors) {
  const crumbs = [...ancestors].reverse().map((a) => [taskLink(a.id, a.name), h('span', {class: 'sep'}, ' › ')]);
  if (crumbs.length === 0) return null;
  return h('nav', {class: 'lineage', 'aria-label': 'parent tasks'}, crumbs, h('span', {class: 'current'}, task.name));
}

function outcome(task) {
  const last = (task.attempts || []).slice(-1)[0];
  if (task.status === 'SUCCEEDED') return section('Result', pre(task.result, {class: 'result'}));
  if (task.error_type || (last && last.error_type)) {
    const type = task.error_type || last.error_type;
    const message = task.error_message || last.error_message;
    return section('Error', h('div', {class: 'error-box task-error'}, h('strong', {}, type), ': ', message || ''),
      last && last.error_detail ? pre(last.error_detail, {class: 'traceback'}) : null);
  }
  return section('Result', empty(fmt.ENDED.has(task.status) ? 'No result.' : 'Not finished yet.'));
}

function attemptsTable(attempts) {
  if (!attempts || attempts.length === 0) return empty('No attempt yet.');
  return table(['#', 'status', 'node', 'started', 'duration', 'fuel', 'memory', 'exit', 'error'],
    attempts.map((a) => h('tr', {dataset: {attempt: a.attempt_no}},
      h('td', {class: 'num'}, String(a.attempt_no)), h('td', {}, statusBadge(a.status)),
      h('td', {class: 'mono small'}, a.node_id), h('td', {}, fmt.time(a.started_at)),
      h('td', {class: 'num'}, fmt.duration(a.duration_ms)), h('td', {class: 'num'}, fmt.count(a.fuel_consumed)),
      h('td', {class: 'num'}, fmt.bytes(a.ram_used)), h('td', {class: 'num'}, a.exit_code ?? '—'),
      h('td', {}, a.error_type ? a.error_type + ': ' + (a.error_message || '') : ''))), {class: 'attempts'});
}

/** The children, each able to show its own children in place; `expanded` keeps what is open across live re-renders. */
function childTree(children, loadChildren, expanded) {
  if (!children || children.length === 0) return empty('No child task.');
  const list = h('ul', {class: 'tree'});
  for (const child of children) {
    const nested = h('div', {class: 'nested'});
    const toggle = h('button', {type: 'button', class: 'toggle', title: 'show its children'}, '▸');
    const open = async () => {
      replace(toggle, '▾');
      try {
        const page = await loadChildren(child.id);
        replace(nested, childTree(page.tasks.slice().reverse(), loadChildren, expanded));
      } catch (e) {
        if (!(e instanceof Unauthorized)) replace(nested, errorBox(e));
      }
    };
    toggle.addEventListener('click', () => {
      if (expanded.has(child.id)) {
        expanded.delete(child.id);
        replace(toggle, '▸');
        replace(nested);
      } else {
        expanded.add(child.id);
        open();
      }
    });
    if (expanded.has(child.id)) open();
    list.appendChild(h('li', {dataset: {id: child.id}}, toggle, ' ', taskLink(child.id, child.name), ' ',
      statusBadge(child.status, child.retrying), h('span', {class: 'muted small'}, ' ', child.id), nested));
  }
  return list;
}

function hostRequests(attempts) {
  const rows = [];
  for (const attempt of attempts || []) {
    for (const r of attempt.host_requests || []) {
      rows.push(h('tr', {}, h('td', {class: 'num'}, String(attempt.attempt_no)), h('td', {class: 'num'}, String(r.seq)),
        h('td', {}, r.method), h('td', {class: 'mono small wrap'}, r.url), h('td', {class: 'num'}, r.status ?? '—'),
        h('td', {class: 'num'}, fmt.bytes(r.bytes_sent)), h('td', {class: 'num'}, fmt.bytes(r.bytes_received)),
        h('td', {class: 'num'}, fmt.duration(r.duration_ms)), h('td', {}, r.error || '')));
    }
  }
  if (rows.length === 0) return empty('No host request.');
  return table(['attempt', '#', 'method', 'url', 'status', 'sent', 'received', 'duration', 'error'], rows);
}

function eventsTable(events) {
  if (!events || events.length === 0) return empty('No event.');
  return table(['at', 'attempt', 'from', 'to', 'reason'], events.map((e) => h('tr', {},
    h('td', {}, fmt.time(e.at)), h('td', {class: 'num'}, e.attempt_no ?? ''), h('td', {}, e.from || ''),
    h('td', {}, e.to), h('td', {class: 'wrap'}, e.reason))), {class: 'events'});
}

function outputView(output) {
  const attempts = (output && output.attempts) || [];
  const shown = attempts.filter((a) => a.stdout || a.stderr);
  if (shown.length === 0) return empty('No output.');
  return shown.map((a) => h('div', {class: 'output', dataset: {attempt: a.attempt_no}},
    h('h3', {}, 'attempt ' + a.attempt_no),
    a.stdout ? [h('div', {class: 'stream-name'}, 'stdout' + (a.stdout_truncated ? ' (truncated)' : '')), h('pre', {class: 'stdout'}, a.stdout)] : null,
    a.stderr ? [h('div', {class: 'stream-name'}, 'stderr' + (a.stderr_truncated ? ' (truncated)' : '')), h('pre', {class: 'stderr'}, a.stderr)] : null));
}

function actionsFor(task, ctx, notice, reload, state) {
  if (ctx.session.role !== 'admin') return h('div', {class: 'actions'});
  const buttons = [];
  if (!fmt.ENDED.has(task.status)) {
    const cancel = h('button', {type: 'button', class: 'danger', id: 'cancel-task'}, 'Cancel');
    const armed = () => state.cancelArmedUntil > Date.now();
    if (armed()) replace(cancel, 'Confirm cancel');
    cancel.addEventListener('click', async () => {
      if (!armed()) {
        state.cancelArmedUntil = Date.now() + 5000;
        replace(cancel, 'Confirm cancel');
        setTimeout(() => { if (!armed()) replace(cancel, 'Cancel'); }, 5100);
        return;
      }
      state.cancelArmedUntil = 0;
      cancel.disabled = true;
      try {
        const answer = await api('/tasks/' + encodeURIComponent(task.id) + '/cancel', {method: 'POST'});
        const descendants = answer.children ? answer.children.length : 0;
        replace(notice, h('div', {class: 'notice'}, (CANCEL_OUTCOMES[answer.outcome] || answer.outcome) +
          (descendants ? `; ${descendants} unfinished descendant${descendants === 1 ? '' : 's'} too.` : '.')));
        reload();
      } catch (e) {
        cancel.disabled = false;
        if (!(e instanceof Unauthorized)) replace(notice, errorBox(e));
      }
    });
    buttons.push(cancel);
  }
  if (!task.parent_id) {
    const rerun = h('button', {type: 'button', id: 'rerun-task'}, 'Rerun');
    rerun.addEventListener('click', async () => {
      rerun.disabled = true;
      try {
        const answer = await api('/tasks/' + encodeURIComponent(task.id) + '/rerun', {method: 'POST', body: {}});
        ctx.navigate('/tasks/' + encodeURIComponent(answer.id));
      } catch (e) {
        rerun.disabled = false;
        if (!(e instanceof Unauthorized)) replace(notice, errorBox(e));
      }
    });
    buttons.push(rerun);
  }
  return h('div', {class: 'actions'}, buttons);
}

/** While an attempt runs, its time so far counts against the timeout (the journal has it only once it ends). */
function withRunningTime(task) {
  const usage = {...(task.limits_usage || {})};
  const running = (task.attempts || []).find((a) => a.status === 'RUNNING' && !a.finished_at);
  if (running && usage.time_ms) {
    const elapsed = Date.now() - Date.parse(running.started_at);
    usage.time_ms = {...usage.time_ms, used: Math.max(usage.time_ms.used || 0, elapsed)};
  }
  return usage;
}

async function ancestorsOf(task, cache) {
  const chain = [];
  let parentId = task.parent_id;
  while (parentId && chain.length < 20) {
    if (!cache.has(parentId)) cache.set(parentId, await api('/tasks/' + encodeURIComponent(parentId)));
    const parent = cache.get(parentId);
    chain.push(parent);
    parentId = parent.parent_id;
  }
  return chain;
}

export function mountTask(root, id, ctx) {
  const notice = h('div', {class: 'notices'});
  const body = h('div', {class: 'task'});
  replace(root, notice, body);
  const ancestorsCache = new Map();
  const state = {cancelArmedUntil: 0, expanded: new Set(), output: null, outputKey: null, drawn: null};
  let stopped = false;
  let current = null;
  const loadChildren = (parentId) => api('/tasks' + query({parent: parentId, limit: 200}));

  async function load() {
    try {
      const path = '/tasks/' + encodeURIComponent(id);
      const task = await api(path);
      // output (up to 1 MiB a stream) changes only when an attempt ends: fetched again only then
      const attempts = task.attempts || [];
      const outputKey = task.status + ':' + attempts.length + ':' + attempts.filter((a) => a.finished_at).length;
      if (state.outputKey !== outputKey) {
        state.output = await api(path + '/output');
        state.outputKey = outputKey;
      }
      const output = state.output;
      const ancestors = await ancestorsOf(task, ancestorsCache);
      if (stopped) return;
      current = task;
      // an ended task that did not change is not drawn again (a sibling's event would otherwise reset the page)
      const drawn = JSON.stringify(task) + state.outputKey + ancestors.map((a) => a.id).join();
      if (fmt.ENDED.has(task.status) && state.expanded.size === 0 && drawn === state.drawn) return;
      state.drawn = drawn;
      replace(body,
        lineage(task, ancestors),
        header(task, actionsFor(task, ctx, notice, reload, state)),
        h('div', {class: 'grid-2'},
          section('Limits and usage', usageBars(withRunningTime(task))),
          section('Input', pre(task.input, {class: 'input'}))),
        outcome(task),
        section('Timeline', timeline(task) || empty('Nothing ran yet.')),
        section('Attempts', attemptsTable(task.attempts)),
        section(`Children (${(task.children || []).length})`, childTree(task.children, loadChildren, state.expanded)),
        section('Host requests', hostRequests(task.attempts)),
        section('Output', outputView(output)),
        section('Events', eventsTable(task.events)));
    } catch (e) {
      state.drawn = null;
      if (!stopped && !(e instanceof Unauthorized)) replace(body, errorBox(e));
    }
  }

  const reload = serial(load, 500);
  const unsubscribe = ctx.events.subscribe((event) => {
    if (!current) return;
    if (event.task_id === id || event.parent_id === id || (current.root_id && event.root_id === current.root_id)) reload();
  });
  const timer = setInterval(() => { if (current && !fmt.ENDED.has(current.status)) reload(); }, 5000);
  reload();
  return () => { stopped = true; unsubscribe(); clearInterval(timer); };
}
