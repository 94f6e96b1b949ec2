// Builds DOM nodes. Every string becomes a text node (textContent), never markup: task names, arguments,
// output and errors come from guests and are attacker-controlled. Nothing in the dashboard parses HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { child.forEach((c) => append(parent, c)); return; }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

function applyAttributes(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (key === 'style') {
      Object.assign(node.style, value);
    } else if (key === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (key === 'href' && !String(value).startsWith('#') && !String(value).startsWith('/')) {
      throw new Error('only local links are built: ' + value);
    } else {
      node.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
    }
  }
}

/** h('a', {href: '#/tasks', class: 'x'}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  applyAttributes(node, attrs);
  append(node, children);
  return node;
}

export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  applyAttributes(node, attrs);
  append(node, children);
  return node;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
  return parent;
}
