import {api, Unauthorized} from '../api.js';
import {h, replace} from '../dom.js';
import * as fmt from '../format.js';
import {throughputChart} from '../chart.js';
import {section, table, errorBox, empty, statusBadge, serial} from '../widgets.js';

const CARDS = [...fmt.STATUSES.slice(0, 3), 'RETRYING', ...fmt.STATUSES.slice(3)];

function countCards(stats) {
  const counts = stats.counts || {};
  const cards = CARDS.map((status) => h('a', {
    class: 'count s-' + status.toLowerCase(), href: '#/tasks?status=' + status, dataset: {status},
  }, h('span', {class: 'count-value'}, String(counts[status] || 0)), h('span', {class: 'count-name'}, status)));
  cards.push(h('div', {class: 'count queue', dataset: {status: 'queue'}},
    h('span', {class: 'count-value'}, String(stats.queue_depth || 0)), h('span', {class: 'count-name'}, 'queue depth')));
  return h('div', {class: 'counts'}, cards);
}

function nodesTable(nodes) {
  if (!nodes || nodes.length === 0) return empty('No live node.');
  return table(['node', 'status', 'runners', 'busy', 'idle', 'started', 'heartbeat'], nodes.map((node) => h('tr', {},
    h('td', {class: 'mono'}, node.id), h('td', {}, statusBadge(node.status)), h('td', {class: 'num'}, node.runners),
    h('td', {class: 'num'}, node.busy ?? '—'), h('td', {class: 'num'}, node.idle ?? '—'),
    h('td', {}, fmt.time(node.started_at)), h('td', {}, fmt.time(node.heartbeat_at)))), {class: 'nodes'});
}

export function mountOverview(root, _params, ctx) {
  const body = h('div', {class: 'overview'});
  replace(root, h('h1', {}, 'Overview'), body);
  let stopped = false;
  async function load() {
    try {
      const stats = await api('/stats');
      if (stopped) return;
      const minutes = stats.throughput || [];
      const finished = minutes.reduce((sum, m) => sum + (m.succeeded || 0) + (m.failed || 0) + (m.cancelled || 0), 0);
      const failed = minutes.reduce((sum, m) => sum + (m.failed || 0), 0);
      replace(body,
        countCards(stats),
        section(`Finished in the last hour: ${finished} (${failed} failed)`, throughputChart(minutes)),
        section(`Nodes (${stats.live_nodes ?? 0} live)`, nodesTable(stats.nodes)));
    } catch (e) {
      if (!stopped && !(e instanceof Unauthorized)) replace(body, errorBox(e));
    }
  }
  const reload = serial(load, 2000);
  reload();
  const unsubscribe = ctx.events.subscribe(reload);
  const timer = setInterval(reload, 10000);
  return () => { stopped = true; unsubscribe(); clearInterval(timer); };
}
