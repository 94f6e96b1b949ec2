import {api, Unauthorized} from '../api.js';
import {h, replace} from '../dom.js';
import * as fmt from '../format.js';
import {section, table, errorBox, empty} from '../widgets.js';

function createForm(onCreated, notice) {
  const form = h('form', {class: 'schedule-form'},
    h('div', {class: 'row'},
      h('input', {name: 'schedule_name', placeholder: 'schedule name', required: true, pattern: '[A-Za-z0-9_.\\-]{1,100}'}),
      h('input', {name: 'cron', placeholder: 'cron (Quartz, UTC), e.g. 0 0/5 * * * ?', required: true, class: 'wide'}),
      h('input', {name: 'file', placeholder: 'file, e.g. job.py', value: 'main.py'}),
      h('input', {name: 'task', placeholder: 'task (default main)'})),
    h('textarea', {name: 'source', rows: 6, placeholder: 'Python or JavaScript source', required: true, spellcheck: 'false'}),
    h('button', {type: 'submit'}, 'Create schedule'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {};
    for (const key of ['schedule_name', 'cron', 'file', 'task', 'source']) {
      const value = String(data.get(key) || '').trim();
      if (value) body[key] = key === 'source' ? String(data.get(key)) : value;
    }
    try {
      await api('/schedules', {method: 'POST', body});
      form.reset();
      replace(notice);
      onCreated();
    } catch (e) {
      if (!(e instanceof Unauthorized)) replace(notice, errorBox(e));
    }
  });
  return form;
}

export function mountSchedules(root, _params, ctx) {
  const admin = ctx.session.role === 'admin';
  const notice = h('div', {class: 'notices'});
  const list = h('div', {});
  let stopped = false;

  async function act(schedule, method, suffix) {
    try {
      await api('/schedules/' + encodeURIComponent(schedule.name) + suffix, {method});
      replace(notice);
      load();
    } catch (e) {
      if (!(e instanceof Unauthorized)) replace(notice, errorBox(e));
    }
  }

  function row(schedule) {
    const buttons = admin ? [
      schedule.paused
        ? h('button', {type: 'button', on: {click: () => act(schedule, 'POST', '/resume')}}, 'Resume')
        : h('button', {type: 'button', on: {click: () => act(schedule, 'POST', '/pause')}}, 'Pause'),
      ' ',
      h('button', {type: 'button', class: 'danger', on: {click: () => act(schedule, 'DELETE', '')}}, 'Delete'),
    ] : null;
    return h('tr', {dataset: {name: schedule.name}},
      h('td', {}, h('a', {href: '#/tasks?name=' + encodeURIComponent(schedule.task_name || '')}, schedule.name)),
      h('td', {class: 'mono'}, schedule.cron), h('td', {}, schedule.task_name || '—'),
      h('td', {}, schedule.paused ? 'paused' : fmt.time(schedule.next_fire)),
      h('td', {}, buttons));
  }

  async function load() {
    try {
      const answer = await api('/schedules');
      if (stopped) return;
      const schedules = answer.schedules || [];
      replace(list, schedules.length === 0 ? empty('No schedule.')
        : table(['schedule', 'cron', 'task', 'next run', ''], schedules.map(row), {class: 'schedules'}));
    } catch (e) {
      if (!stopped && !(e instanceof Unauthorized)) replace(list, errorBox(e));
    }
  }

  replace(root, h('h1', {}, 'Schedules'), notice, section('Schedules', list),
    admin ? section('New schedule', createForm(load, notice)) : null);
  load();
  const timer = setInterval(load, 15000);
  return () => { stopped = true; clearInterval(timer); };
}
