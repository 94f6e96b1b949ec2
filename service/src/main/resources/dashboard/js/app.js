// The router: #/ overview, #/tasks?filters, #/tasks/ID, #/schedules. Routes live in the hash so a link to a
// filtered list or a task can be shared and needs no server route of its own.
import {api, clearToken, onUnauthorized, token, Unauthorized} from './api.js';
import {h, replace} from './dom.js';
import {EventStream} from './events.js';
import {errorBox} from './widgets.js';
import {mountOverview} from './views/overview.js';
import {mountTasks} from './views/tasks.js';
import {mountTask} from './views/task.js';
import {mountSchedules} from './views/schedules.js';
import {mountLogin} from './views/login.js';

const view = document.getElementById('view');
const events = new EventStream();
const ctx = {session: null, events, navigate: (path) => { location.hash = '#' + path; }};
let unmount = () => {};
let signingIn = false;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const at = raw.indexOf('?');
  const path = at < 0 ? raw : raw.slice(0, at);
  const params = new URLSearchParams(at < 0 ? '' : raw.slice(at + 1));
  return {parts: path.split('/').filter(Boolean).map(decodeURIComponent), params};
}

function highlight(name) {
  document.querySelectorAll('nav a[data-nav]').forEach((a) => a.classList.toggle('active', a.dataset.nav === name));
}

function route() {
  if (!ctx.session) return;
  unmount();
  const {parts, params} = parseHash();
  window.scrollTo(0, 0);
  if (parts.length === 0) {
    highlight('overview');
    unmount = mountOverview(view, params, ctx);
  } else if (parts[0] === 'tasks' && parts.length === 1) {
    highlight('tasks');
    unmount = mountTasks(view, params, ctx);
  } else if (parts[0] === 'tasks' && parts.length === 2) {
    highlight('tasks');
    unmount = mountTask(view, parts[1], ctx);
  } else if (parts[0] === 'schedules') {
    highlight('schedules');
    unmount = mountSchedules(view, params, ctx);
  } else {
    highlight('');
    unmount = () => {};
    replace(view, h('h1', {}, 'Not found'), h('p', {}, h('a', {href: '#/'}, 'Back to the overview')));
  }
}

function showSession(session) {
  signingIn = false;
  ctx.session = session;
  const role = document.getElementById('role');
  role.replaceChildren();
  role.append(session.role === 'admin' ? 'admin' : 'read-only');
  if (session.auth_required && token()) {
    const signOut = h('button', {type: 'button', class: 'link'}, 'sign out');
    signOut.addEventListener('click', () => { clearToken(); location.reload(); });
    role.append(' ', signOut);
  }
  events.start();
  route();
}

function signIn() {
  if (signingIn) return;
  signingIn = true;
  unmount();
  unmount = () => {};
  events.stop();
  ctx.session = null;
  highlight('');
  mountLogin(view, showSession);
}

onUnauthorized(signIn);
events.onState((connected) => {
  const live = document.getElementById('live');
  live.classList.toggle('off', !connected);
  live.textContent = connected ? 'live' : 'offline';
  live.title = connected ? 'live events: connected' : 'live events: not connected';
});
window.addEventListener('hashchange', route);

api('/session').then(showSession).catch((e) => {
  if (!(e instanceof Unauthorized)) replace(view, errorBox(e));
});
