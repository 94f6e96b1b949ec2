import {api, setToken, clearToken, Unauthorized} from '../api.js';
import {h, replace} from '../dom.js';
import {errorBox} from '../widgets.js';

/** Asks for a token; resolves with the session once the server accepts it. */
export function mountLogin(root, onSession) {
  const message = h('div', {});
  const input = h('input', {type: 'password', name: 'token', autocomplete: 'off', placeholder: 'token', required: true, class: 'wide'});
  const form = h('form', {class: 'login'},
    h('p', {}, 'This server needs a token. It is kept in this tab only (sessionStorage) and sent as ',
      h('code', {}, 'Authorization: Bearer'), '.'),
    input, h('button', {type: 'submit'}, 'Sign in'), message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    try {
      const session = await api('/session');
      onSession(session);
    } catch (e) {
      clearToken();
      replace(message, e instanceof Unauthorized ? errorBox({message: 'The server did not accept this token.'}) : errorBox(e));
    }
  });
  replace(root, h('h1', {}, 'Sign in'), form);
  input.focus();
}
